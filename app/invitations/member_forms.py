"""The members' forms: a survey's questions, and the settings on the account page."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import TribuneForm
from app.invitations.models import SurveyQuestion
from app.invitations.surveys import MAX_TEXT, RANGES


class SettingsForm(TribuneForm):
    """The invitations' part of the account page."""

    campaign_email = BooleanField(_l("Receive campaign invitations by email"))
    attendance_on_profile = BooleanField(_l("Show the events I attended on my public profile"))


class ChecklistField(SelectMultipleField):
    """Several choices, as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(question: SurveyQuestion) -> str:
    return f"q{question.id}"


def _choice_label(choice: dict[str, str], language: str | None) -> str:
    if language == "fr":
        return choice.get("fr") or choice.get("en") or ""
    return choice.get("en") or choice.get("fr") or ""


def _field(question: SurveyQuestion, language: str | None) -> Field:
    label = question.prompt(language)
    if question.kind == "text":
        checks = [InputRequired() if question.required else Optional(), Length(max=MAX_TEXT)]
        return TextAreaField(label, validators=checks)
    required = [InputRequired(message=_l("Please answer this question."))]
    checks = required if question.required else [Optional()]
    if question.kind in RANGES:
        low, high = RANGES[question.kind]
        choices = [SelectChoice(str(n), str(n)) for n in range(low, high + 1)]
        return RadioField(label, choices=choices, validators=checks)
    choices = [
        SelectChoice(str(i), _choice_label(c, language)) for i, c in enumerate(question.choices)
    ]
    if question.kind == "multiple":
        return ChecklistField(label, choices=choices, validators=checks)
    return RadioField(label, choices=choices, validators=checks)


def survey_form(questions: list[SurveyQuestion], language: str | None, **kwargs: Any) -> Any:
    """A form with one field per question, named q<question id>."""

    class SurveyForm(TribuneForm):
        pass

    for question in questions:
        setattr(SurveyForm, field_name(question), _field(question, language))
    return SurveyForm(**kwargs)


def answers(form: Any, questions: list[SurveyQuestion]) -> dict[int, Any]:
    """What surveys.submit takes: {question id: the value or the list of values}."""
    found: dict[int, Any] = {}
    for question in questions:
        value = form[field_name(question)].data
        found[question.id] = value if value not in (None, "None") else None
    return found
