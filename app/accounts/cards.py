"""The user card: what a click on an author's name shows (static/js/cards.js).

Accounts knows who the member is, since when, and the account's state; what higher
packages keep (level, points and badges in badges; the role and ambassador marks beside
the name) comes from their registrations: the card sections (accounts/profile.py) and
the author decorations (core/templating.py). The card is read only when it is opened:
the pages that show names hold nothing more than a link.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _

from app.accounts.models import User
from app.accounts.profile import card_sections_for
from app.core.permissions import SYSTEM_ROLE


def card_state(member: User) -> str:
    """What a reader should know before writing to the member: closed, suspended, system."""
    if member.role == SYSTEM_ROLE:
        return _("A system account of the community: nobody writes with it.")
    if not member.active:
        return _("This account is closed.")
    if member.suspended_until is not None and member.is_suspended():
        return _("Suspended until %(date)s.", date=format_date(member.suspended_until, "long"))
    return ""


def card(member: User) -> dict[str, Any]:
    """The card template's context: the member, its state and the packages' sections."""
    # A system account earns nothing: points and badges would only mislead.
    system = member.role == SYSTEM_ROLE
    sections = [] if system else card_sections_for(member)
    return {"member": member, "system": system, "state": card_state(member), "sections": sections}
