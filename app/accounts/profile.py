"""Sections of the profile page that higher packages contribute (forum counts, points...).

Accounts sits below the forum and cannot query it; each package registers a provider
that returns a template and its context for the member shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from app.accounts.models import User


@dataclass(frozen=True)
class ProfileSection:
    order: int
    template: str
    context: Callable[[User], dict[str, Any]]


# Each application's sections, keyed by template.
_SECTIONS = "tribune.profile_sections"


def register_section(
    app: Flask, order: int, template: str, context: Callable[[User], dict[str, Any]]
) -> None:
    """Add a section to this application's profile page (called from init_app)."""
    sections: dict[str, ProfileSection] = app.extensions.setdefault(_SECTIONS, {})
    sections[template] = ProfileSection(order, template, context)


def sections_for(user: User) -> list[tuple[str, dict[str, Any]]]:
    """The current application's sections for ``user``: (template, context), in order."""
    sections: dict[str, ProfileSection] = current_app.extensions.get(_SECTIONS, {})
    ordered = sorted(sections.values(), key=lambda s: s.order)
    return [(s.template, s.context(user)) for s in ordered]
