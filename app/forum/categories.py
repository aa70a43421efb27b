"""Forum categories: creating them, listing those a reader may read."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.permissions import is_known
from app.extensions import db
from app.forum import visibility
from app.forum.errors import ForumError
from app.forum.models import Category


def create_category(
    name: str,
    slug: str,
    description: str = "",
    position: int = 0,
    required_capability: str | None = None,
) -> Category:
    if required_capability is not None and not is_known(required_capability):
        raise ForumError(_l("Unknown capability."), field="required_capability")
    if db.session.scalar(select(Category.id).where(Category.slug == slug)) is not None:
        raise ForumError(_l("This slug is taken."), field="slug")
    category = Category(
        name=name,
        slug=slug,
        description=description,
        position=position,
        required_capability=required_capability,
    )
    db.session.add(category)
    db.session.flush()
    return category


def visible_categories(user: Any) -> list[Category]:
    """The categories the reader (None: a visitor) may read, in their order; archived
    ones are left out (category_changes.py)."""
    return list(
        db.session.scalars(
            select(Category)
            .where(visibility.category_clause(user), Category.archived_at.is_(None))
            .order_by(Category.position, Category.name)
        )
    )


def refuse_archived(category: Category) -> None:
    """Raise a form error if ``category`` is archived: it takes no new topics, nor topics
    moved into it."""
    if category.archived_at is not None:
        raise ForumError(_l("This category is archived: it takes no new topics."), field="category")
