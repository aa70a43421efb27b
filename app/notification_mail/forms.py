"""The account page's form: one choice per email kind."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from app.core.forms import TribuneForm
from app.core.notifications import email_kinds
from app.notification_mail.settings import DIGEST, IMMEDIATE, NONE

CHOICES = [
    SelectChoice(IMMEDIATE, _l("At once")),
    SelectChoice(DIGEST, _l("Daily digest")),
    SelectChoice(NONE, _l("Never")),
]


class SettingsForm(TribuneForm):
    """Filled with one RadioField per registered email kind (``settings_form``)."""

    id_prefix = "notification-email"


def settings_form(modes: dict[str, str] | None = None) -> SettingsForm:
    """The form for the application's email kinds: showing ``modes``, or (None) as
    posted."""

    class Form(SettingsForm):
        pass

    for kind in email_kinds():
        setattr(Form, kind.key, RadioField(kind.label, choices=CHOICES, default=kind.default))
    if modes is not None:
        return Form(formdata=None, data=modes)
    return Form()


def chosen(form: SettingsForm) -> dict[str, str]:
    """What the member chose, by email kind."""
    return {kind.key: form[kind.key].data for kind in email_kinds()}
