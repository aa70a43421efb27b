"""How the audit log reads what campaigns write in it: keys, states, kinds, targets."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.moderation.log_labels import TargetKind, register_audit_terms

FIELDS = {
    "state": _l("State"),
    "kind": _l("Kind"),
    "added": _l("Codes added"),
    "emailed": _l("Emails queued"),
    "invited": _l("Invited"),
    "kept": _l("Rows kept"),
    "errors": _l("Rows refused"),
    "scheduled_at": _l("Scheduled for"),
    "from": _l("Copied from campaign"),
    "question": _l("Question"),
    "direction": _l("Moved"),
    "granted": _l("Access granted"),
    "revoked": _l("Access revoked"),
    "created": _l("Category created"),
    "title_en": _l("Title (English)"),
    "title_fr": _l("Title (French)"),
    "description_en": _l("Description (English)"),
    "description_fr": _l("Description (French)"),
    "message_en": _l("Message (English)"),
    "message_fr": _l("Message (French)"),
    "reply_deadline": _l("Reply by"),
    "place": _l("Place"),
    "online_link": _l("Online link"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "capacity": _l("Seats"),
    "listed": _l("Member list"),
}
VALUES = {
    "state": {
        "draft": _l("draft"),
        "scheduled": _l("scheduled"),
        "sending": _l("sending"),
        "open": _l("open"),
        "closed": _l("closed"),
        "cancelled": _l("cancelled"),
        "invited": _l("invited"),
        "accepted": _l("accepted"),
        "declined": _l("declined"),
        "waitlisted": _l("on the waiting list"),
        "attended": _l("present"),
        "removed": _l("removed"),
    },
    "kind": {
        "event": _l("event"),
        "preview": _l("product preview"),
        "survey": _l("survey"),
        "workshop": _l("co-creation workshop"),
        "offer": _l("exclusive offer"),
        "single": _l("single choice"),
        "multiple": _l("multiple choice"),
        "scale": _l("scale from 1 to 5"),
        "nps": _l("recommendation score"),
        "text": _l("free text"),
    },
    "direction": {"up": _l("up"), "down": _l("down")},
}
TARGETS = {
    "campaign": TargetKind(_l("campaign %(n)s"), "staff.campaign", "campaign_id", "campaign.send"),
    "invitation": TargetKind(_l("invitation %(n)s")),
}


def register(app: Flask) -> None:
    register_audit_terms(app, fields=FIELDS, values=VALUES, targets=TARGETS)
