"""Forms of the ambassador pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from app.core.forms import TribuneForm


class StatusForm(TribuneForm):
    """Promote or demote by hand (pins the decision), or unpin."""

    status = HiddenField(validators=[AnyOf(("ambassador", "member", "unpin"))])
    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Say why: the member and other moderators will read it.")),
            Length(max=300),
        ],
    )
