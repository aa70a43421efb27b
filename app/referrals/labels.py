"""What states, reasons and ways of converting are called on the pages and in the CSV."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.referrals.models import (
    CONVERTED,
    DAILY_CAP,
    PENDING,
    REFUSED,
    REMOVED_FOR_ABUSE,
    REVERSED,
    SAME_BROWSER,
    SAME_EMAIL,
    SAME_IP,
    SUSPENDED,
    VIA_POST,
    VIA_PURCHASE,
)

STATES = {
    PENDING: _l("Signed up, not yet counted"),
    CONVERTED: _l("Counted"),
    REFUSED: _l("Not counted"),
    REVERSED: _l("Taken back"),
}
REASONS = {
    SAME_EMAIL: _l("Same mailbox as the referrer"),
    SAME_IP: _l("Signed up from the referrer's network address"),
    SAME_BROWSER: _l("Signed up from the referrer's browser"),
    SUSPENDED: _l("Account suspended"),
    DAILY_CAP: _l("Over the daily limit of the referrer"),
    REMOVED_FOR_ABUSE: _l("Account removed for abuse"),
}
VIAS = {VIA_POST: _l("A post that stayed"), VIA_PURCHASE: _l("A purchase")}


def state(value: str) -> str:
    return str(STATES.get(value, value))


def reason(value: str | None) -> str:
    return str(REASONS.get(value, value)) if value else ""


def via(value: str | None) -> str:
    return str(VIAS.get(value, value)) if value else ""
