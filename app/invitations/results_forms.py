"""Forms of a campaign's people page: the check-in box, and each row's actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.core.forms import TribuneForm


class CheckinForm(TribuneForm):
    """The code a QR scanner types (it ends with Enter, which sends the form)."""

    code = StringField(
        _l("Check-in code"),
        validators=[
            DataRequired(_l("Scan or type the member's check-in code.")),
            Length(max=64, message=_l("This is not a check-in code.")),
        ],
    )


class AttendForm(TribuneForm):
    """Mark one invited member present (the row's button)."""


class RemoveForm(TribuneForm):
    """Take a member off the campaign; the reason goes to the audit log."""

    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Say why: the audit log keeps it.")),
            Length(max=300, message=_l("At most 300 characters.")),
        ],
    )
