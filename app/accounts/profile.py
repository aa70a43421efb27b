"""Sections of the profile page that higher packages contribute (forum counts, points...).

Accounts sits below the forum and cannot query it; each package registers a provider
that returns a template and its context for the member shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.accounts.models import User


@dataclass(frozen=True)
class ProfileSection:
    order: int
    template: str
    context: Callable[[User], dict[str, Any]]


# Keyed by template, so building several apps (as tests do) registers each section once.
_SECTIONS: dict[str, ProfileSection] = {}


def register_section(order: int, template: str, context: Callable[[User], dict[str, Any]]) -> None:
    _SECTIONS[template] = ProfileSection(order, template, context)


def sections_for(user: User) -> list[tuple[str, dict[str, Any]]]:
    ordered = sorted(_SECTIONS.values(), key=lambda s: s.order)
    return [(s.template, s.context(user)) for s in ordered]
