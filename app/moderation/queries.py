"""Read models for the managers' pages: a few set-based statements per page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.badges.models import VotingReport
from app.core.paging import Page, make_page
from app.core.text import excerpt
from app.extensions import db
from app.forum import visibility
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


def audit_log(*, page: int, per_page: int, **filters: Any) -> Page:
    query = audit_query(**filters)
    rows = db.session.execute(query.limit(per_page + 1).offset((page - 1) * per_page)).all()
    return make_page(list(rows), page, per_page)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by("action")))
