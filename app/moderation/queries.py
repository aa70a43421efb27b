"""Read models for the managers' pages: a few set-based statements per page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.badges.models import VotingReport
from app.core.paging import Page, make_page
from app.core.text import excerpt
from app.extensions import db
from app.forum import review_hold, visibility
from app.forum.models import Category, Post, Topic
from app.moderation.models import AuditEntry, Flag

QUEUE_LIMIT = 50


@dataclass
class QueueItem:
    post_id: int
    topic_id: int
    topic_title: str
    author: str
    excerpt: str
    hidden: bool
    total_weight: float
    flaggers: int
    first_flagged_at: datetime
    reasons: dict[str, int] = field(default_factory=dict)


def flagged_posts(reviewer: User, limit: int = QUEUE_LIMIT) -> list[QueueItem]:
    """Posts with open flags, heaviest first, with their reasons counted; only those in
    categories the reviewer may read (the queue names their topics)."""
    totals = (
        select(
            Flag.post_id.label("post_id"),
            func.sum(Flag.weight).label("weight"),
            func.count(Flag.id).label("flaggers"),
            func.min(Flag.created_at).label("first_at"),
        )
        .where(Flag.status == "open")
        .group_by(Flag.post_id)
        .subquery()
    )
    rows = db.session.execute(
        select(totals, Post, Topic.title, User.username)
        .join(Post, Post.id == totals.c.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .join(User, User.id == Post.author_id)
        .where(visibility.category_clause(reviewer))
        .order_by(totals.c.weight.desc(), totals.c.first_at)
        .limit(limit)
    ).all()
    items = {
        row.post_id: QueueItem(
            post_id=row.post_id,
            topic_id=row.Post.topic_id,
            topic_title=row.title,
            author=row.username,
            excerpt=excerpt(row.Post.body_html, 200),
            hidden=row.Post.hidden_at is not None,
            total_weight=float(row.weight),
            flaggers=row.flaggers,
            first_flagged_at=row.first_at,
        )
        for row in rows
    }
    if items:
        reasons = db.session.execute(
            select(Flag.post_id, Flag.reason, func.count(Flag.id))
            .where(Flag.status == "open", Flag.post_id.in_(list(items)))
            .group_by(Flag.post_id, Flag.reason)
        ).all()
        for post_id, reason, count in reasons:
            items[post_id].reasons[reason] = count
    return list(items.values())


HISTORY_LIMIT = 20


@dataclass(frozen=True)
class HiddenPost:
    post_id: int
    topic_title: str
    author: str
    excerpt: str
    hidden_at: datetime


def recently_hidden(reviewer: User, limit: int = HISTORY_LIMIT) -> list[HiddenPost]:
    """The queue's history: posts still hidden once their flags were decided (or hidden by
    a moderator), newest first, in categories the reviewer may read; first posts held for
    review have their own page."""
    open_flag = exists().where(Flag.post_id == Post.id, Flag.status == "open")
    rows = db.session.execute(
        select(Post.id, Post.body_html, Post.hidden_at, Topic.title, User.username)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .join(User, User.id == Post.author_id)
        .where(
            Post.hidden_at.is_not(None),
            Post.deleted_at.is_(None),
            Post.hidden_reason.is_distinct_from(review_hold.HELD_REASON),
            ~open_flag,
            visibility.category_clause(reviewer),
        )
        .order_by(Post.hidden_at.desc(), Post.id.desc())
        .limit(limit)
    ).all()
    return [
        HiddenPost(row.id, row.title, row.username, excerpt(row.body_html, 200), row.hidden_at)
        for row in rows
    ]


def still_hidden(post_ids: set[int]) -> set[int]:
    """Which of these posts are hidden now (the log offers Unhide on those)."""
    if not post_ids:
        return set()
    return set(
        db.session.scalars(
            select(Post.id).where(
                Post.id.in_(sorted(post_ids)), Post.hidden_at.is_not(None),
                Post.deleted_at.is_(None),
            )
        )
    )  # fmt: skip


def usernames(user_ids: set[int]) -> dict[int, str]:
    """The names of the members a page of the log is about, in one statement."""
    if not user_ids:
        return {}
    rows = db.session.execute(select(User.id, User.username).where(User.id.in_(sorted(user_ids))))
    return {user_id: name for user_id, name in rows}


def category_names(category_ids: set[int], reader: User) -> dict[int, str]:
    """The names of the categories a page of the log names (moved topics) that ``reader``
    may see, in one statement: a private space's name stays a number."""
    if not category_ids:
        return {}
    rows = db.session.execute(
        select(Category.id, Category.name, Category.required_capability).where(
            Category.id.in_(sorted(category_ids))
        )
    )
    return {
        category_id: name
        for category_id, name, capability in rows
        if capability is None or reader.can(capability)
    }


def open_voting_reports(limit: int = QUEUE_LIMIT) -> list[Any]:
    voter = aliased(User)
    author = aliased(User)
    return list(
        db.session.execute(
            select(VotingReport, voter.username.label("voter"), author.username.label("author"))
            .join(voter, voter.id == VotingReport.voter_id)
            .join(author, author.id == VotingReport.author_id)
            .where(VotingReport.status == "open")
            .order_by(VotingReport.created_at.desc())
            .limit(limit)
        ).all()
    )


def audit_query(*, actor: str = "", action: str = "", target: int | None = None,
                target_type: str = "", text: str = "") -> Any:  # fmt: skip
    """The log's rows, newest first, filtered by who, what, on which member or post, and
    words of the reason."""
    query = select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.actor_id)
    if actor:
        query = query.where(User.username_key == actor.lower())
    if action:
        query = query.where(AuditEntry.action == action)
    if target is not None:
        query = query.where(AuditEntry.target_id == target)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditEntry.reason.ilike(f"%{escaped}%", escape="\\"))
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def audit_rows(**filters: Any) -> Iterator[Any]:
    """Every row of the filtered log, (entry, username), newest first: streamed from the
    database a thousand at a time, for the CSV."""
    query = audit_query(**filters).execution_options(yield_per=1000)
    yield from db.session.execute(query)


def audit_log(*, page: int, per_page: int, **filters: Any) -> Page:
    query = audit_query(**filters)
    rows = db.session.execute(query.limit(per_page + 1).offset((page - 1) * per_page)).all()
    return make_page(list(rows), page, per_page)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by("action")))


def post_by_id(post_id: int) -> Post | None:
    return db.session.get(Post, post_id)


def voting_report_by_id(report_id: int) -> VotingReport | None:
    return db.session.get(VotingReport, report_id)
