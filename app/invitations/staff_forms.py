"""Forms of the staff console (/staff): a campaign's texts, its audience, its actions.

Dates are typed in ``datetime-local`` inputs, read in the site's time zone
(``BABEL_DEFAULT_TIMEZONE``, UTC when unset) and stored in UTC; the page says which.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import TribuneForm
from app.core.submissions import SubmissionField
from app.invitations.models import QUESTION_KINDS


def uploaded_text(field: Any, file_name: str, limit: int, too_large: str,
                  not_utf8: str) -> str | None:  # fmt: skip
    """The chosen file's text (UTF-8, BOM dropped), else the field's own text; None after
    putting the error on the field."""
    upload = request.files.get(file_name)
    if upload is None or not upload.filename:
        return field.data or ""
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        field.errors = [too_large]
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        field.errors = [not_utf8]
        return None


LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
# Far enough for any campaign, near enough that converting between zones never overflows.
YEARS = (2000, 2200)
NAME_HINT = _l("Markdown. “{name}” becomes each member's display name.")


def site_zone() -> ZoneInfo:
    """The zone staff type dates in: the site's (BABEL_DEFAULT_TIMEZONE), else UTC."""
    try:
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def zone_name() -> str:
    return site_zone().key


class LocalDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input read in the site's zone; ``data`` is aware, in UTC."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format=LOCAL_FORMAT, **kwargs)
        self.invalid_value_message = _l("Give a date and a time (day, month, year, hour).")

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is None:
            return
        if not YEARS[0] <= self.data.year <= YEARS[1]:
            self.data = None
            raise ValueError(_l("Give a year between 2000 and 2200."))
        self.data = self.data.replace(tzinfo=site_zone()).astimezone(UTC)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            return self.data.astimezone(site_zone()).strftime(LOCAL_FORMAT)
        return ""


def _web_link(form: Any, field: Any) -> None:
    if field.data and not field.data.startswith(("https://", "http://")):
        raise ValidationError(_l("A web address starts with https:// or http://."))


class CampaignForm(TribuneForm):
    """A campaign's texts and dates (the event fields are shown for events and workshops)."""

    submission = SubmissionField()
    title_en = StringField(_l("Title (English)"), validators=[Length(max=200)])
    title_fr = StringField(_l("Title (French)"), validators=[Length(max=200)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=20_000)],
                                   description=NAME_HINT)  # fmt: skip
    description_fr = TextAreaField(_l("Description (French)"), validators=[Length(max=20_000)],
                                   description=NAME_HINT)  # fmt: skip
    message_en = TextAreaField(_l("Personal message (English)"), validators=[Length(max=5000)],
                               description=NAME_HINT)  # fmt: skip
    message_fr = TextAreaField(_l("Personal message (French)"), validators=[Length(max=5000)],
                               description=NAME_HINT)  # fmt: skip
    reply_deadline = LocalDateTimeField(_l("Reply deadline"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    online_link = StringField(_l("Online link"), validators=[Optional(), Length(max=500),
                                                             _web_link])  # fmt: skip
    starts_at = LocalDateTimeField(_l("Starts"), validators=[Optional()])
    ends_at = LocalDateTimeField(_l("Ends"), validators=[Optional()])
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(1, 1_000_000, _l("From 1 to 1,000,000 seats."))],
        description=_l("Seats; leave empty for as many as accept."),
    )

    EVENT_FIELDS = ("place", "online_link", "starts_at", "ends_at", "capacity")

    def values(self, event: bool) -> dict[str, Any]:
        """The fields the campaign service takes, the event ones for events only."""
        names = ["title_en", "title_fr", "description_en", "description_fr",
                 "message_en", "message_fr", "reply_deadline"]  # fmt: skip
        if event:
            names += self.EVENT_FIELDS
        values = {name: self[name].data for name in names}
        for name in ("place", "online_link"):
            if name in values:
                values[name] = (values[name] or "").strip() or None
        return values


class ActionForm(TribuneForm):
    """A button that acts (send, close, unschedule, remind...): the CSRF token only."""


class DuplicateForm(TribuneForm):
    submission = SubmissionField()


class ScheduleForm(TribuneForm):
    scheduled_at = LocalDateTimeField(
        _l("Send at"), validators=[InputRequired(_l("Choose when to send it."))]
    )


class CancelForm(TribuneForm):
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Say why: the audit log keeps it.")), Length(max=300)],
    )


class CodesForm(TribuneForm):
    codes = TextAreaField(
        _l("Codes, one a line"),
        validators=[Length(max=2_000_000)],
        description=_l("Or choose a text file of codes below. Repeated codes are kept once."),
    )


class ListForm(TribuneForm):
    members = TextAreaField(
        _l("Members, one a line (CSV)"),
        validators=[Length(max=10_000_000)],
        description=_l(
            "A username, an email or a customer id in the first column of each row; "
            "or choose a CSV file below. The list replaces the previous one."
        ),
    )


def _checkboxes(label: Any, **kwargs: Any) -> SelectMultipleField:
    return SelectMultipleField(label, widget=ListWidget(prefix_label=False),
                               option_widget=CheckboxInput(), **kwargs)  # fmt: skip


class AudienceForm(TribuneForm):
    """Every criterion of audience.Criteria; the view fills the choices."""

    segments = _checkboxes(_l("Segments of the last ambassador run"), coerce=str)
    helpers = BooleanField(_l("Helpers (members holding helper privileges)"))
    badge = SelectField(_l("Holders of the badge"), coerce=str)
    expert_category_id = SelectField(_l("Experts of the category"), coerce=str)
    expert_min_tier = SelectField(_l("With an expertise badge of at least"), coerce=str)
    top_category_id = SelectField(_l("Top members of the category"), coerce=str)
    top_count = IntegerField(_l("How many top members"), validators=[Optional(),
                             NumberRange(1, 100_000, _l("From 1 to 100,000."))])  # fmt: skip
    top_period = SelectField(_l("Over"), coerce=str)
    min_level = SelectField(_l("Minimum level"), coerce=str)
    language = SelectField(_l("Language"), coerce=str)
    attended_any = BooleanField(_l("Attended any past campaign"))
    attended_campaign_ids = _checkboxes(_l("Attended one of these campaigns"), coerce=str)
    listed = BooleanField(_l("Only the members of the uploaded list"))
    not_invited_within_days = IntegerField(
        _l("Leave out members invited in the last … days"),
        validators=[Optional(), NumberRange(1, 3650, _l("From 1 to 3650 days."))],
    )


class QuestionForm(TribuneForm):
    submission = SubmissionField()
    kind = SelectField(_l("Kind of question"), validators=[AnyOf(QUESTION_KINDS)], coerce=str,
                       choices=[SelectChoice("single", _l("Single choice")),
                                SelectChoice("multiple", _l("Multiple choice")),
                                SelectChoice("scale", _l("Scale from 1 to 5")),
                                SelectChoice("nps", _l("Recommendation score from 0 to 10")),
                                SelectChoice("text", _l("Free text"))])  # fmt: skip
    prompt_en = StringField(_l("Question (English)"), validators=[Length(max=500)])
    prompt_fr = StringField(_l("Question (French)"), validators=[Length(max=500)])
    choices = TextAreaField(
        _l("Choices, one a line"),
        validators=[Length(max=20_000)],
        description=_l("For choice questions: “English | Français” on each line."),
    )
    required = BooleanField(_l("An answer is required"), default=True)

    def parsed_choices(self) -> list[dict[str, str]]:
        """[{"en": ..., "fr": ...}] from "English | Français" lines (one language is enough)."""
        found = []
        for line in (self.choices.data or "").splitlines():
            english, _bar, french = line.partition("|")
            english, french = english.strip()[:200], french.strip()[:200]
            if english or french:
                found.append({"en": english or french, "fr": french or english})
        return found[:50]


class MoveForm(TribuneForm):
    direction = HiddenField(validators=[AnyOf(("up", "down"))])
