"""Forms of the rewards' pages: the staff's reward and codes, the queue's steps, redeeming."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.core.forms import TribuneForm
from app.core.submissions import SubmissionField
from app.rewards.eligibility import SEGMENT_LABELS, level_label
from app.rewards.models import ELIGIBLE_SEGMENTS

ELIGIBILITY_CHOICES = (
    ("everyone", _l("Everyone")),
    ("min_level", _l("Members from a level on")),
    ("segment", _l("A segment of the last ambassador run")),
)
DELIVERY_CHOICES = (
    ("shipped", _l("Shipped (staff add a tracking note)")),
    ("code", _l("A code from the uploaded list")),
    ("event", _l("Handed over at an event")),
)


def _choices(pairs: object) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[attr-defined]


class RewardForm(TribuneForm):
    """A reward, in both languages; its picture is a file part read by the view."""

    submission = SubmissionField()
    title_en = StringField(_l("Title"), validators=[Length(max=200)])
    description_en = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    title_fr = StringField(_l("Title"), validators=[Length(max=200)])
    description_fr = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    cost = IntegerField(
        _l("Cost in points"), validators=[InputRequired(), NumberRange(min=1, max=10_000_000)]
    )
    stock = IntegerField(_l("Stock"), validators=[Optional(), NumberRange(min=0, max=10_000_000)],
                         description=_l("Empty: unlimited."))  # fmt: skip
    per_member_limit = IntegerField(
        _l("Limit per member"), validators=[Optional(), NumberRange(min=1, max=10_000_000)],
        description=_l("Empty: no limit. Cancelled redemptions do not count."))  # fmt: skip
    eligibility = SelectField(_l("Who may redeem it"), choices=_choices(ELIGIBILITY_CHOICES))
    min_level = SelectField(_l("Lowest level"), choices=[])
    segment = SelectField(_l("Segment"), choices=[])
    delivery = SelectField(_l("How it is delivered"), choices=_choices(DELIVERY_CHOICES))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        levels = current_app.config["LEVELS"]
        self.min_level.choices = _choices(
            (str(n), level_label(n)) for n in range(1, len(levels) + 1)
        )
        self.segment.choices = _choices((s, SEGMENT_LABELS[s]) for s in ELIGIBLE_SEGMENTS)

    def values(self) -> dict[str, object]:
        """What the catalogue service takes."""
        kind = self.eligibility.data
        value = {"min_level": self.min_level.data, "segment": self.segment.data}.get(kind, "")
        return {
            "title_en": self.title_en.data, "title_fr": self.title_fr.data,
            "description_en": self.description_en.data,
            "description_fr": self.description_fr.data,
            "cost": self.cost.data, "stock": self.stock.data,
            "per_member_limit": self.per_member_limit.data, "eligibility": kind,
            "eligibility_value": value, "delivery": self.delivery.data,
        }  # fmt: skip


class CodesForm(TribuneForm):
    codes = TextAreaField(_l("Codes, one a line"), validators=[Length(max=2_000_000)])


class DeliverForm(TribuneForm):
    note = StringField(_l("Tracking note"), validators=[Length(max=300)])


class CancelForm(TribuneForm):
    reason = StringField(_l("Reason (the member reads it)"), validators=[Length(max=300)])


class RedeemForm(TribuneForm):
    submission = SubmissionField()
