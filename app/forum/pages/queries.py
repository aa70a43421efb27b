"""Read models for the forum's pages: one statement per page section, no N+1."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import Bundle, joinedload, selectinload

from app.accounts.models import User
from app.core.paging import Page, make_page
from app.core.sql import among_ids, ids_value
from app.core.text import excerpt
from app.extensions import db
from app.forum import visibility
from app.forum.models import (
    Category,
    Post,
    PostRevision,
    PostVote,
    Tag,
    Topic,
    topic_tags,
)

TOPIC_FILTERS = ("latest", "unanswered", "solved", "unsolved")
ANSWER_ORDERS = ("helpful", "date")


def _topic_list_query(user: User | None) -> Any:
    query = (
        select(Topic)
        .join(Category, Category.id == Topic.category_id)
        .where(Topic.deleted_at.is_(None), visibility.category_clause(user))
    )
    if not visibility.sees_hidden(user):
        # A topic whose opening post is hidden (flags, held for review) is not listed.
        query = query.where(~visibility.hidden_opening())
    return query.options(
        joinedload(Topic.author),
        joinedload(Topic.last_poster),
        joinedload(Topic.category),
        selectinload(Topic.tags),
    )


def latest_topics(user: User | None, limit: int = 20) -> list[Topic]:
    query = _topic_list_query(user).order_by(Topic.last_posted_at.desc()).limit(limit)
    return list(db.session.scalars(query))


def category_topics(
    user: User | None, category: Category, *, filter_: str, page: int, per_page: int
) -> Page:
    query = _topic_list_query(user).where(Topic.category_id == category.id)
    if filter_ == "unanswered":
        query = query.where(Topic.reply_count == 0)
    elif filter_ == "solved":
        query = query.where(Topic.accepted_post_id.is_not(None))
    elif filter_ == "unsolved":
        query = query.where(Topic.kind == "question", Topic.accepted_post_id.is_(None))
    query = query.order_by(Topic.pinned.desc(), Topic.last_posted_at.desc(), Topic.id.desc())
    rows = list(db.session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page)))
    return make_page(rows, page, per_page)


def tagged_topics(user: User | None, tag: Tag, *, page: int, per_page: int) -> Page:
    query = (
        _topic_list_query(user)
        .join(topic_tags, topic_tags.c.topic_id == Topic.id)
        .where(topic_tags.c.tag_id == tag.id)
        .order_by(Topic.last_posted_at.desc(), Topic.id.desc())
    )
    rows = list(db.session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page)))
    return make_page(rows, page, per_page)


# What a topic page shows of each answer and its author, as plain rows (row.post.id,
# row.author.username): a page shows fifty, and ORM objects cost several times more.
POST_COLUMNS = Bundle(
    "post",
    Post.id,
    Post.position,
    Post.author_id,
    Post.body_html,
    Post.vote_count,
    Post.created_at,
    Post.edit_count,
    Post.deleted_at,
    Post.hidden_at,
)
# What the marks beside an author's name read: points (level), role, distinction.
AUTHOR_COLUMNS = Bundle("author", User.id, User.username, User.points, User.role, User.distinction)


def topic_answers(
    topic: Topic, *, order: str, page: int, per_page: int, include_deleted: bool
) -> Page:
    """A page of answers (rows with .post and .author), the accepted one first."""
    query = (
        select(POST_COLUMNS, AUTHOR_COLUMNS)
        .join(User, User.id == Post.author_id)
        .where(Post.topic_id == topic.id, Post.position > 0)
    )
    if not include_deleted:
        query = query.where(Post.deleted_at.is_(None), Post.hidden_at.is_(None))
    accepted_first = case((Post.id == topic.accepted_post_id, 0), else_=1)
    if order == "helpful" and topic.is_question:
        query = query.order_by(accepted_first, Post.vote_count.desc(), Post.position)
    elif topic.is_question:
        query = query.order_by(accepted_first, Post.position)
    else:
        query = query.order_by(Post.position)
    rows = list(db.session.execute(query.limit(per_page + 1).offset((page - 1) * per_page)))
    return make_page(rows, page, per_page)


def member_votes_among(dialect: str) -> Any:
    """Where a vote is the bound ``user_id``'s on one of the bound ``post_ids`` (give
    it ``app.core.sql.ids_value(ids, dialect)``)."""
    return and_(
        PostVote.user_id == bindparam("user_id"),
        among_ids(PostVote.post_id, "post_ids", dialect),
    )


@cache
def _my_votes_statement(dialect: str) -> Any:
    # Built once per backend: the topic page runs it on a member's first view of a page.
    return select(PostVote.post_id).where(member_votes_among(dialect))


def my_votes(user: User, post_ids: list[int]) -> set[int]:
    if not post_ids:
        return set()
    dialect = db.engine.dialect.name
    # Through the connection: plain columns need none of the ORM's result machinery.
    result = db.session.connection().execute(
        _my_votes_statement(dialect),
        {"user_id": user.id, "post_ids": ids_value(post_ids, dialect)},
    )
    return set(result.scalars())


@dataclass
class MemberForumStats:
    topics: int
    answers: int
    accepted: int
    helpful_votes: int


def member_stats(user_id: int) -> MemberForumStats:
    """The profile's forum counts, in one statement of indexed subqueries."""
    live_posts = and_(Post.author_id == user_id, Post.deleted_at.is_(None))
    row = db.session.execute(
        select(
            select(func.count(Topic.id))
            .where(Topic.author_id == user_id, Topic.deleted_at.is_(None))
            .scalar_subquery(),
            select(func.count(Post.id)).where(live_posts, Post.position > 0).scalar_subquery(),
            select(func.count(Topic.id))
            .join(Post, Post.id == Topic.accepted_post_id)
            .where(Post.author_id == user_id, Topic.deleted_at.is_(None))
            .scalar_subquery(),
            select(func.coalesce(func.sum(Post.vote_count), 0)).where(live_posts).scalar_subquery(),
        )
    ).one()
    return MemberForumStats(*row)


def recent_posts(user: User | None, author_id: int, limit: int = 10) -> list[tuple[Post, Topic]]:
    rows = db.session.execute(
        select(Post, Topic)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .where(
            Post.author_id == author_id,
            Post.deleted_at.is_(None),
            Topic.deleted_at.is_(None),
            # Hidden posts, and posts in hidden topics, are listed to moderators only.
            visibility.post_clause(user),
        )
        .order_by(Post.created_at.desc())
        .limit(limit)
    ).all()
    return [(p, t) for p, t in rows]


# Single rows the views look up by what the request names (the view decides what a
# missing one means: 404, or a form error).


def author_of(post: Post) -> User | None:
    """The post's author (the relationship itself is never loaded lazily)."""
    return db.session.get(User, post.author_id)


def post_by_id(post_id: int) -> Post | None:
    return db.session.get(Post, post_id)


def topic_by_id(topic_id: int) -> Topic | None:
    return db.session.get(Topic, topic_id)


def category_by_id(category_id: int | None) -> Category | None:
    return db.session.get(Category, category_id) if category_id is not None else None


def tag_by_name(name: str) -> Tag | None:
    """The tag named ``name`` (tags are stored lower-case)."""
    return db.session.scalar(select(Tag).where(Tag.name == name.lower()))


def answers_before(post: Post) -> int:
    """How many live answers come before ``post`` by date: where its page starts."""
    count = db.session.scalar(
        select(func.count(Post.id)).where(
            Post.topic_id == post.topic_id,
            Post.position > 0,
            Post.position < post.position,
            Post.deleted_at.is_(None),
        )
    )
    return count or 0


def revisions(post: Post) -> list[PostRevision]:
    """A post's revisions, the latest first, with their editors."""
    return list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .options(joinedload(PostRevision.editor))
            .order_by(PostRevision.number.desc())
        )
    )


def splittable_replies(topic: Topic, limit: int) -> list[tuple[int, str, str]]:
    """(post id, author, excerpt) of the first ``limit`` replies, which a split can move."""
    rows = db.session.execute(
        select(Post.id, User.username, Post.body_html)
        .join(User, User.id == Post.author_id)
        .where(Post.topic_id == topic.id, Post.position > 0)
        .order_by(Post.position)
        .limit(limit)
    )
    return [(post_id, username, excerpt(html, 120)) for post_id, username, html in rows]
