"""Moderation forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from app.core.forms import TribuneForm

REASON_LABELS = {
    "spam": _l("Spam"),
    "offensive": _l("Offensive"),
    "off_topic": _l("Off topic"),
    "other": _l("Other"),
}


class FlagForm(TribuneForm):
    reason = RadioField(
        _l("What is wrong with this post?"),
        choices=[
            SelectChoice("spam", _l("Spam")),
            SelectChoice("offensive", _l("Offensive")),
            SelectChoice("off_topic", _l("Off topic")),
            SelectChoice("other", _l("Something else: tell the moderators")),
        ],
        validators=[DataRequired(_l("Choose a reason."))],
    )
    note = TextAreaField(_l("Note for the moderators"), validators=[Optional()])


class DecisionForm(TribuneForm):
    reason = StringField(_l("Reason"), validators=[Optional()])
