"""Forum forms. Length limits are checked by the services, so the form keeps what was typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.core.forms import TribuneForm
from app.core.submissions import SubmissionField


class TopicForm(TribuneForm):
    category = SelectField(_l("Category"), coerce=int)
    kind = RadioField(
        _l("Kind"),
        choices=[
            SelectChoice("question", _l("Question")),
            SelectChoice("discussion", _l("Discussion")),
        ],
        default="question",
    )
    title = StringField(_l("Title"))
    body = TextAreaField(_l("Details"), render_kw={"rows": 10})
    tags = StringField(_l("Tags"), validators=[Optional()], description=_l("Up to 5, by commas."))
    submission = SubmissionField()


class ReplyForm(TribuneForm):
    body = TextAreaField(_l("Your answer"), render_kw={"rows": 8})
    submission = SubmissionField()


class EditForm(TribuneForm):
    title = StringField(_l("Title"))
    body = TextAreaField(_l("Text"), render_kw={"rows": 12})
    reason = StringField(_l("Reason for the edit"), validators=[Optional()])


class ActionForm(TribuneForm):
    """A bare form: a button that posts with its CSRF token."""


class MoveForm(TribuneForm):
    id_prefix = "move"  # beside the manage page's other forms
    category = SelectField(_l("Move to"), coerce=int)
    reason = StringField(_l("Reason"), validators=[Optional()])


class RetagForm(TribuneForm):
    id_prefix = "retag"  # beside the manage page's other forms
    tags = StringField(_l("Tags"), validators=[Optional()], description=_l("Up to 5, by commas."))
    reason = StringField(_l("Reason"), validators=[Optional()])


class DuplicateForm(TribuneForm):
    id_prefix = "duplicate"  # beside the manage page's other forms
    original = StringField(
        _l("Duplicate of"),
        description=_l("The address or the number of the original topic."),
    )
    reason = StringField(_l("Reason"), validators=[Optional()])


class TopicFlagForm(TribuneForm):
    """Lock, unlock, pin, unpin, reopen: one button and an optional reason."""

    reason = StringField(_l("Reason"), validators=[Optional()])


class ReopenForm(TopicFlagForm):
    """The reopen button of a duplicate, beside the lock and pin form (ids of its own)."""

    id_prefix = "reopen"


class MergeForm(TribuneForm):
    id_prefix = "merge"  # beside the manage page's other forms
    target = StringField(
        _l("Merge into"), description=_l("The address or the number of the topic to keep.")
    )
    reason = StringField(_l("Reason"), validators=[Optional()])


class SplitForm(TribuneForm):
    id_prefix = "split"  # beside the manage page's other forms
    title = StringField(_l("Title of the new topic"))
    reason = StringField(_l("Reason"), validators=[Optional()])


class PreviewForm(TribuneForm):
    """What the editors send for a preview: the text, and the format of the post edited."""

    body = TextAreaField(_l("Text"))
    body_format = StringField(validators=[Optional()])
