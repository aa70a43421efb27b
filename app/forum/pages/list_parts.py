"""Topic lists (home, category and tag pages), rendered from cached parts.

Each list is a part (app/core/parts.py) per reader and data key. What a list shows
changes only with its categories: every change a list shows bumps the revision of the
categories it touches, in the same transaction (topic_state.touch_topic and
change_category). So a view reads those revisions in one statement (the category row
itself, on a category page) and, when the part for that revision and reader is cached,
runs no other query. The reader holds the language, what decides which topics it sees
(the categories it may read, post.view_deleted for topics whose opening post is hidden)
and what the page offers it (topic.create: the New topic button). Relative dates and
authors' levels change without a revision: the parts expire after PAGE_CACHE_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select

from app.core import layout, parts
from app.extensions import db
from app.forum import visibility
from app.forum.categories import visible_categories
from app.forum.models import Category, Tag
from app.forum.pages import queries

# Topic lists show hidden topics to those who see them; that changes the data.
_SEES_HIDDEN = "post.view_deleted"


@dataclass(frozen=True)
class CategoryReader(parts.Reader):
    """A category page's reader: it may start a topic, it sees hidden topics."""

    CAPABILITIES = frozenset({"topic.create", _SEES_HIDDEN})


@dataclass(frozen=True, kw_only=True)
class ListReader(parts.Reader):
    """The reader of a list across categories (home, tags)."""

    CAPABILITIES = frozenset({_SEES_HIDDEN})
    readable: tuple[int, ...]  # the categories it may read, by id


HOME = parts.Part("home", "forum/home.html", ListReader, expires=True)
CATEGORY = parts.Part("category", "forum/category.html", CategoryReader, expires=True)
TAG = parts.Part("tag", "forum/tag.html", ListReader, expires=True)


@cache
def _categories_statement() -> Select[Any]:
    return select(Category.id, Category.revision, Category.required_capability).order_by(
        Category.id
    )


@cache
def _category_statement() -> Select[Any]:
    return select(
        Category.id,
        Category.slug,
        Category.name,
        Category.description,
        Category.required_capability,
        Category.revision,
        Category.archived_at,
    ).where(Category.slug == bindparam("slug"))


def _readable(viewer: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The ids of the categories ``viewer`` may read and their revisions, in one statement."""
    rows = db.session.connection().execute(_categories_statement()).all()
    readable = [row for row in rows if visibility.can_read(viewer, row[2])]
    return tuple(row[0] for row in readable), tuple(row[1] for row in readable)


def category_by_slug(slug: str) -> Any:
    """A category as a row (id, slug, name, description, required_capability, revision,
    archived_at)."""
    return db.session.connection().execute(_category_statement(), {"slug": slug}).first()


def home(viewer: Any) -> parts.Html:
    readable, revisions = _readable(viewer)
    reader = ListReader.of(viewer, readable=readable)
    content = HOME.render(
        reader,
        revisions,
        lambda: {"categories": visible_categories(viewer), "latest": queries.latest_topics(viewer)},
    )
    return layout.page(_("Community"), content)


def category(viewer: Any, found: Any, filter_: str, page: int, per_page: int) -> parts.Html:
    """A category's page of topics (``found``: a row from category_by_slug)."""
    reader = CategoryReader.of(viewer)

    def load() -> dict[str, Any]:
        topics = queries.category_topics(
            viewer, found, filter_=filter_, page=page, per_page=per_page
        )
        return {"category": found, "topics": topics, "filter": filter_}

    content = CATEGORY.render(reader, (found.id, found.revision, filter_, page, per_page), load)
    return layout.page(found.name, content)


def tag(viewer: Any, found: Tag, page: int, per_page: int) -> parts.Html:
    readable, revisions = _readable(viewer)
    reader = ListReader.of(viewer, readable=readable)

    def load() -> dict[str, Any]:
        topics = queries.tagged_topics(viewer, found, page=page, per_page=per_page)
        return {"tag": found, "topics": topics}

    content = TAG.render(reader, (found.id, found.name, revisions, page, per_page), load)
    return layout.page("#" + found.name, content)


def init_app(app: Flask) -> None:
    parts.register(app, HOME, CATEGORY, TAG)
