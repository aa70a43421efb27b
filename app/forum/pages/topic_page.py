"""The data of a topic page, loaded in a few statements and cached per topic revision.

Every change a topic page shows bumps ``topics.revision`` (see topic_state.touch_topic).
A view first reads that revision, with what decides who may see the topic and whether
the reader follows it, in one statement; the rest of the page's data (the topic, its
opening post, tags and a page of answers, as immutable rows) is then taken from a
per-process cache under a key that holds the revision, or loaded in three statements.

A member's view also needs their votes on the page's posts. Which posts those are is
known only once the revision is, so the first statement reads the member's votes among
the posts this page last showed (``recent_post_ids``): when the page still shows those,
as it does until the next change, the votes come with the revision, and only otherwise
are they read again (``queries.my_votes``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.core.page_cache import PageCache
from app.core.paging import Page
from app.core.sql import comma_joined, ids_value
from app.extensions import db
from app.forum import visibility
from app.forum.models import Category, Post, PostVote, Tag, Topic, TopicFollow, topic_tags
from app.forum.pages import queries

# A row of a post and its author without the post's HTML: two named tuples of a dozen
# small values (measured with tracemalloc).
ROW_BYTES = 1200


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
    # Closed as a duplicate of (id, title), shown at the top of the page to readers who
    # may read that topic (TopicMeta.original_readable): this snapshot is shared by all.
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
    # The reader's votes among the posts ``votes_among``, read with the revision.
    votes_among: tuple[int, ...] = ()
    votes: frozenset[int] = frozenset()
    # The topic this one duplicates or was merged into, as it stands now (it may have
    # moved into the lounge, or been deleted, since): its category's capability, and
    # whether it is deleted or its opening post hidden. Not cached with the page data.
    original_capability: str | None = None
    original_gone: bool = False

    def original_readable(self, user: Any) -> bool:
        """Whether the reader may read the topic this one duplicates or went into."""
        return visibility.may_read(user, self.original_capability, gone=self.original_gone)


@dataclass(frozen=True)
class PageView:
    """Which page of a topic, in which order, for readers with which rights."""

    topic_id: int
    order: str
    page: int
    per_page: int
    include_deleted: bool


@dataclass(frozen=True)
class TopicPageData:
    topic: TopicView
    opening: Any  # a row with .post and .author, like each answer
    answers: Page
    # The opening post's id, then the answers': what the reader's votes are read for.
    post_ids: tuple[int, ...] = ()
    # The page's rows by post id, and its posts' ids by author (a member's own posts).
    rows: dict[int, Any] = field(default_factory=dict)
    posts_by_author: dict[int, tuple[int, ...]] = field(default_factory=dict)


@cache
def _meta_statement(dialect: str, with_votes: bool) -> Select[Any]:
    """Built once per process and backend: every view of every topic page runs it."""
    following = (
        select(TopicFollow.following)
        .where(TopicFollow.topic_id == Topic.id, TopicFollow.user_id == bindparam("user_id"))
        .scalar_subquery()
    )
    original = aliased(Topic)
    original_category = aliased(Category)
    columns: list[Any] = [
        Topic.revision,
        Topic.deleted_at.is_not(None),
        Category.required_capability,
        following,
        Topic.duplicate_of_id,
        original_category.required_capability,
        or_(original.deleted_at.is_not(None), visibility.hidden_opening(original)),
    ]
    if with_votes:
        votes = select(comma_joined(PostVote.post_id, dialect)).where(
            queries.member_votes_among(dialect)
        )
        columns.append(votes.scalar_subquery())
    return (
        select(*columns)
        .join(Category, Category.id == Topic.category_id)
        # By primary keys, and only for a topic closed as a duplicate or merged.
        .outerjoin(original, original.id == Topic.duplicate_of_id)
        .outerjoin(original_category, original_category.id == original.category_id)
        .where(Topic.id == bindparam("topic_id"))
    )


def meta(topic_id: int, user_id: int | None, votes_among: tuple[int, ...] = ()) -> TopicMeta | None:
    """Revision, visibility (the topic's, and that of the topic it duplicates), the
    reader's follow and their votes among ``votes_among`` (post ids), in one statement."""
    with_votes = bool(user_id and votes_among)
    parameters: dict[str, Any] = {"topic_id": topic_id, "user_id": user_id or 0}
    dialect = db.engine.dialect.name
    if with_votes:
        parameters["post_ids"] = ids_value(votes_among, dialect)
    statement = _meta_statement(dialect, with_votes)
    # Through the connection: plain columns need none of the ORM's result machinery.
    row = db.session.connection().execute(statement, parameters).first()
    if row is None:
        return None
    deleted = bool(row[1])
    votes = (
        frozenset(int(post_id) for post_id in row[7].split(","))
        if with_votes and row[7]
        else frozenset()
    )
    return TopicMeta(
        row[0],
        deleted,
        row[2],
        bool(row[3]),
        row[4] if deleted else None,
        votes_among if with_votes else (),
        votes,
        original_capability=row[5],
        original_gone=bool(row[6]),
    )


def recent_post_ids(view: PageView) -> tuple[int, ...]:
    """The posts this page showed when last loaded (at whatever revision), or ()."""
    cache: PageCache = current_app.extensions["tribune.topic_data"]
    return cache.get(("recent", view)) or ()


def reader_votes(found: TopicMeta, data: TopicPageData, user: Any) -> set[int]:
    """The reader's votes on the page's posts: those read with the revision when they
    were read for exactly these posts, else read now."""
    if found.votes_among == data.post_ids:
        return set(found.votes)
    return queries.my_votes(user, list(data.post_ids))


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


def _weight(opening: Any, rows: list[Any]) -> int:
    """About what a page's data takes: its rows, mostly the posts' HTML."""
    return sum(ROW_BYTES + sys.getsizeof(row.post.body_html) for row in (opening, *rows))


def load(view: PageView, revision: int) -> TopicPageData | None:
    """The page's data, from the cache when this revision was seen before."""
    cache: PageCache = current_app.extensions["tribune.topic_data"]
    key = (view, revision)
    cached = cache.get(key)
    if cached is not None:
        return cached
    loaded = _load_topic(view.topic_id)
    if loaded is None:
        return None
    topic, opening = loaded
    answers = queries.topic_answers(
        topic,
        order=view.order,
        page=view.page,
        per_page=view.per_page,
        include_deleted=view.include_deleted,
    )
    rows = {row.post.id: row for row in (opening, *answers.items)}
    by_author: dict[int, list[int]] = {}
    for row in rows.values():
        by_author.setdefault(row.post.author_id, []).append(row.post.id)
    data = TopicPageData(
        topic=topic,
        opening=opening,
        answers=answers,
        post_ids=tuple(rows),
        rows=rows,
        posts_by_author={author: tuple(ids) for author, ids in by_author.items()},
    )
    post_ids = data.post_ids
    cache.set(key, data, _weight(opening, answers.items))
    cache.set(("recent", view), post_ids, 40 * len(post_ids))
    return data
