"""Sections of the profile page that higher packages contribute (forum counts, points...),
and of the user card a click on an author's name opens (level, points, badges).

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


# Each application's sections, keyed by template: the profile page's, the user card's.
_SECTIONS = "tribune.profile_sections"
_CARD_SECTIONS = "tribune.card_sections"


def _register(app: Flask, key: str, section: ProfileSection) -> None:
    sections: dict[str, ProfileSection] = app.extensions.setdefault(key, {})
    sections[section.template] = section


def _sections(key: str, user: User) -> list[tuple[str, dict[str, Any]]]:
    sections: dict[str, ProfileSection] = current_app.extensions.get(key, {})
    ordered = sorted(sections.values(), key=lambda s: s.order)
    return [(s.template, s.context(user)) for s in ordered]


def register_section(
    app: Flask, order: int, template: str, context: Callable[[User], dict[str, Any]]
) -> None:
    """Add a section to this application's profile page (called from init_app)."""
    _register(app, _SECTIONS, ProfileSection(order, template, context))


def sections_for(user: User) -> list[tuple[str, dict[str, Any]]]:
    """The current application's sections for ``user``: (template, context), in order."""
    return _sections(_SECTIONS, user)


def register_card_section(
    app: Flask, order: int, template: str, context: Callable[[User], dict[str, Any]]
) -> None:
    """Add a section to this application's user card (called from init_app)."""
    _register(app, _CARD_SECTIONS, ProfileSection(order, template, context))


def card_sections_for(user: User) -> list[tuple[str, dict[str, Any]]]:
    """The current application's card sections for ``user``: (template, context), in order."""
    return _sections(_CARD_SECTIONS, user)
