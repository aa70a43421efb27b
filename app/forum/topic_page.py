"""The data of a topic page, loaded in a few statements and cached per topic revision.

Every change a topic page shows bumps ``topics.revision`` (see services.touch_topic).
A view first reads that revision, with what decides who may see the topic and whether
the reader follows it, in one statement; the rest of the page's data (the topic, its
opening post, tags and a page of answers, as immutable rows) is then taken from a
per-process cache under a key that holds the revision, or loaded in three statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.core.page_cache import PageCache
from app.extensions import db
from app.forum import queries
from app.forum.models import Category, Post, Tag, Topic, TopicFollow, topic_tags


@dataclass(frozen=True)
class CategoryView:
    id: int
    slug: str
    name: str
    required_capability: str | None


@dataclass(frozen=True)
class TopicView:
    """A read-only snapshot of a topic for its page (safe to share between requests)."""

    id: int
    title: str
    kind: str
    author_id: int
    pinned: bool
    locked: bool
    view_count: int
    reply_count: int
    accepted_post_id: int | None
    deleted_at: datetime | None
    category: CategoryView
    tags: tuple[str, ...]
    created_at: datetime | None = None
    # Closed as a duplicate of (id, title), shown at the top of the page.
    duplicate_of: tuple[int, str] | None = None

    @property
    def is_question(self) -> bool:
        return self.kind == "question"

    @property
    def is_solved(self) -> bool:
        return self.accepted_post_id is not None


@dataclass(frozen=True)
class TopicMeta:
    revision: int
    deleted: bool
    required_capability: str | None
    following: bool
    # A topic merged into another is deleted and opens that one.
    merged_into: int | None = None


@dataclass(frozen=True)
class TopicPageData:
    topic: TopicView
    opening: Any  # a row with .post and .author, like each answer
    answers: queries.Page
    # The opening post's id, then the answers': what the reader's votes are read for.
    post_ids: tuple[int, ...] = ()


@cache
def _meta_statement() -> Select[Any]:
    """Built once per process: every view of every topic page runs it."""
    following = (
        select(TopicFollow.following)
        .where(TopicFollow.topic_id == Topic.id, TopicFollow.user_id == bindparam("user_id"))
        .scalar_subquery()
    )
    return (
        select(
            Topic.revision,
            Topic.deleted_at.is_not(None),
            Category.required_capability,
            following,
            Topic.duplicate_of_id,
        )
        .join(Category, Category.id == Topic.category_id)
        .where(Topic.id == bindparam("topic_id"))
    )


def meta(topic_id: int, user_id: int | None) -> TopicMeta | None:
    """Revision, visibility and the reader's follow, in one statement."""
    # Through the connection: plain columns need none of the ORM's result machinery.
    row = (
        db.session.connection()
        .execute(_meta_statement(), {"topic_id": topic_id, "user_id": user_id or 0})
        .first()
    )
    if row is None:
        return None
    deleted = bool(row[1])
    return TopicMeta(row[0], deleted, row[2], bool(row[3]), row[4] if deleted else None)


def _load_topic(topic_id: int) -> tuple[TopicView, Any] | None:
    original = aliased(Topic)
    row = db.session.execute(
        select(
            Topic.id,
            Topic.title,
            Topic.kind,
            Topic.author_id,
            Topic.pinned,
            Topic.locked,
            Topic.view_count,
            Topic.reply_count,
            Topic.accepted_post_id,
            Topic.deleted_at,
            Category.id,
            Category.slug,
            Category.name,
            Category.required_capability,
            queries.POST_COLUMNS,
            queries.AUTHOR_COLUMNS,
            Topic.created_at.label("topic_created_at"),
            original.id.label("original_id"),
            original.title.label("original_title"),
        )
        .join(Category, Category.id == Topic.category_id)
        .join(Post, and_(Post.topic_id == Topic.id, Post.position == 0))
        .join(User, User.id == Post.author_id)
        .outerjoin(original, original.id == Topic.duplicate_of_id)
        .where(Topic.id == topic_id)
    ).first()
    if row is None:
        return None
    tags = tuple(
        db.session.scalars(
            select(Tag.name)
            .join(topic_tags, topic_tags.c.tag_id == Tag.id)
            .where(topic_tags.c.topic_id == topic_id)
            .order_by(Tag.name)
        )
    )
    category = CategoryView(*row[10:14])
    duplicate_of = (row.original_id, row.original_title) if row.original_id else None
    topic = TopicView(
        *row[:10],
        category=category,
        tags=tags,
        created_at=row.topic_created_at,
        duplicate_of=duplicate_of,
    )
    return topic, row


def load(
    topic_id: int, revision: int, *, order: str, page: int, per_page: int, include_deleted: bool
) -> TopicPageData | None:
    """The page's data, from the cache when this revision was seen before."""
    cache: PageCache = current_app.extensions["tribune.topic_data"]
    key = (topic_id, revision, order, page, per_page, include_deleted)
    cached = cache.get(key)
    if cached is not None:
        return cached
    loaded = _load_topic(topic_id)
    if loaded is None:
        return None
    topic, opening = loaded
    answers = queries.topic_answers(
        topic, order=order, page=page, per_page=per_page, include_deleted=include_deleted
    )
    post_ids = (opening.post.id, *(row.post.id for row in answers.items))
    data = TopicPageData(topic=topic, opening=opening, answers=answers, post_ids=post_ids)
    cache.set(key, data)
    return data
