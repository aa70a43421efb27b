"""Sections of the member's account page that higher packages contribute (settings).

Accounts sits below the packages whose settings a member changes here (campaign email,
what the profile shows): each registers a template and its context, and the template's
form posts to the package's own page, as profile sections (profile.py) do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from app.accounts.models import User


@dataclass(frozen=True)
class AccountSection:
    order: int
    template: str
    context: Callable[[User], dict[str, Any]]


# Each application's sections, keyed by template.
_SECTIONS = "tribune.account_sections"


def register_account_section(
    app: Flask, order: int, template: str, context: Callable[[User], dict[str, Any]]
) -> None:
    """Add a section to this application's account page (called from init_app)."""
    sections: dict[str, AccountSection] = app.extensions.setdefault(_SECTIONS, {})
    sections[template] = AccountSection(order, template, context)


def account_sections_for(user: User) -> list[tuple[str, dict[str, Any]]]:
    """The current application's sections for ``user``: (template, context), in order."""
    sections: dict[str, AccountSection] = current_app.extensions.get(_SECTIONS, {})
    ordered = sorted(sections.values(), key=lambda s: s.order)
    return [(s.template, s.context(user)) for s in ordered]
