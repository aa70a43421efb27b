"""The base of every Tribune form: what a field may hold is checked once, for all forms.

Every form in app/ derives from ``TribuneForm`` (tests/core/test_odd_input.py holds them to
it), so a new form cannot forget:

- a field holding control characters (NUL and the like: see app.core.user_input) is
  refused with a form error, before anything looks the text up or stores it. One-line
  fields refuse tab and newlines too; text areas and passwords keep them;
- a file part sent for a field (Tribune's forms take no files) is a form error, not a
  file object handed to a service that expects text;
- a number field holds what the database's ``integer`` holds: a longer number is a form
  error before any validator (WTForms' NumberRange fails on one past a float's range);
- a JSON body is not form data: a form is filled from the posted form only.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, PasswordField, TextAreaField
from wtforms.validators import StopValidation

from app.core.user_input import INT4_MAX, has_control_characters

CONTROL_CHARACTERS = _l("This text holds invisible control characters: remove them and retry.")
FILE_SENT = _l("This field takes text, not a file.")
OUT_OF_RANGE = _l("This number is out of range.")

_FROM_REQUEST = object()


def _multiline(field: Field) -> bool:
    # Passwords are neither stored nor shown, and one set from the command line may
    # hold a tab: they are held to the multi-line rule.
    return isinstance(field, TextAreaField | PasswordField)


def _raw_text(field: Field) -> list[str]:
    return [value for value in field.raw_data or () if isinstance(value, str)]


class TribuneForm(FlaskForm):
    """A Flask-WTF form whose fields refuse control characters and file parts."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is not _FROM_REQUEST:
                return super().wrap_formdata(form, formdata)
            if not form.is_submitted():
                return None
            # The posted text fields only. Flask-WTF would mix in request.files (a file
            # object in a text field) and take a JSON body as form data (any shape).
            form.file_parts = frozenset(request.files)
            return request.form if request.form or request.files else None

    file_parts: frozenset[str] = frozenset()
    # Set on a form shown beside another with the same fields on one page: its elements'
    # ids start with it ("lift-reason"), so no id is on the page twice. Names stay.
    id_prefix: str = ""

    def __init__(self, formdata: Any = _FROM_REQUEST, **kwargs: Any) -> None:
        super().__init__(formdata=formdata, **kwargs)
        if self.id_prefix:
            for field in self:
                field.id = f"{self.id_prefix}-{field.id}"
                field.label.field_id = field.id

    def validate(self, extra_validators: Any = None) -> bool:
        refused = {}
        for field in self:
            error = self._refused(field)
            if error is not None:
                refused[field.name] = error
                # Before the field's own checks, and instead of them: a validator (or a
                # validate_<name> method) may look the text up in the database.
                field.pre_validate = _stop(error)  # type: ignore[method-assign]
        valid = super().validate(extra_validators)
        for name, error in refused.items():
            self[name].errors = [error]
        return valid and not refused

    def _refused(self, field: Field) -> Any:
        if field.name in self.file_parts:
            return FILE_SENT
        multiline = _multiline(field)
        if any(has_control_characters(v, multiline=multiline) for v in _raw_text(field)):
            return CONTROL_CHARACTERS
        number = field.data if isinstance(field, IntegerField) else None
        if isinstance(number, int) and not -INT4_MAX - 1 <= number <= INT4_MAX:
            return OUT_OF_RANGE
        return None


def _stop(message: Any) -> Any:
    def pre_validate(form: Any) -> None:
        raise StopValidation(message)

    return pre_validate


class ActionForm(TribuneForm):
    """A bare form: a button that posts with its CSRF token."""
