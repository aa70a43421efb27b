"""The administrators' forms for categories (category_admin_views.py)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from app.core.forms import TribuneForm
from app.core.permissions import CAPABILITIES
from app.forum.category_changes import DESCRIPTION_MAX, NAME_MAX, SLUG_MAX


class CategoryForm(TribuneForm):
    name = StringField(_l("Name"), render_kw={"maxlength": NAME_MAX, "required": True})
    slug = StringField(
        _l("Address"),
        validators=[Optional()],
        description=_l("Its part of the link, e.g. coffee-machines; made from the name if empty."),
        render_kw={"maxlength": SLUG_MAX},
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional()], render_kw={"maxlength": DESCRIPTION_MAX}
    )
    required_capability = SelectField(
        _l("Who may read it"),
        validators=[Optional()],
        description=_l("A restricted category is shown only to members holding the capability."),
    )

    def offer_capabilities(self, current: str | None = None) -> None:
        """Everyone, or one capability of the list (and the one it holds now, e.g. a
        campaign's private space, so that editing keeps it)."""
        choices = [SelectChoice("", _l("Everyone"))]
        choices += [
            SelectChoice(name, _l("Members who may: %(what)s", what=label))
            for name, label in CAPABILITIES.items()
        ]
        if current and current not in CAPABILITIES:
            choices.append(SelectChoice(current, current))
        self.required_capability.choices = choices

    def category_fields(self) -> dict[str, Any]:
        """What the form says of the category, as category_changes takes it."""
        return {
            "name": self.name.data or "",
            "slug": self.slug.data or "",
            "description": self.description.data or "",
            "required_capability": self.required_capability.data or None,
        }


class OrderForm(TribuneForm):
    """Move up or down (the address says which): ``seen_at``, where the list showed it."""

    seen_at = IntegerField(validators=[InputRequired(), NumberRange(0, 100_000)])
