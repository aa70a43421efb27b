"""Forms of the ambassador pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import AnyOf, DataRequired, Length

from app.core.forms import TribuneForm


class StatusForm(TribuneForm):
    """Promote or demote by hand (pins the decision), or unpin."""

    # Sent by the pressed button only: a HiddenField would be rendered by hidden_tag() as an
    # empty field before the button's value, and the view would read that empty first value.
    status = StringField(validators=[AnyOf(("ambassador", "member", "unpin"))])
    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Say why: the member and other moderators will read it.")),
            Length(max=300),
        ],
    )
