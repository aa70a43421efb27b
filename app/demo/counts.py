"""What the demo seeder leaves behind: forum counters recomputed, and the summary counted back."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import desc, func, select, update

from app.accounts.models import User
from app.extensions import db
from app.forum.models import Category, Post, PostVote, Topic


@dataclass
class DemoSummary:
    """What the seeder wrote, counted back from the database."""

    members: int
    categories: int
    topics: int
    posts: int
    votes: int
    accepted: int
    top_members: int
    top_share: float
    logins: list[tuple[str, str]] = field(default_factory=list)


def recount() -> None:
    """Recompute every denormalised forum counter from the rows, with set-based UPDATEs."""
    live_post = (Post.topic_id == Topic.id, Post.deleted_at.is_(None))
    statements = [
        update(Post).values(
            vote_count=select(func.count())
            .select_from(PostVote)
            .where(PostVote.post_id == Post.id)
            .scalar_subquery()
        ),
        update(Topic).values(
            reply_count=select(func.count())
            .select_from(Post)
            .where(*live_post, Post.position > 0)
            .scalar_subquery(),
            last_posted_at=select(func.max(Post.created_at)).where(*live_post).scalar_subquery(),
            last_poster_id=select(Post.author_id)
            .where(*live_post)
            .order_by(Post.position.desc())
            .limit(1)
            .scalar_subquery(),
        ),
    ]
    live_topic = (Topic.category_id == Category.id, Topic.deleted_at.is_(None))
    statements.append(
        update(Category).values(
            topic_count=select(func.count())
            .select_from(Topic)
            .where(*live_topic)
            .scalar_subquery(),
            post_count=select(func.count())
            .select_from(Post)
            .join(Topic, Topic.id == Post.topic_id)
            .where(*live_topic, Post.deleted_at.is_(None))
            .scalar_subquery(),
            last_posted_at=select(func.max(Topic.last_posted_at))
            .where(*live_topic)
            .scalar_subquery(),
        )
    )
    for statement in statements:
        db.session.execute(statement.execution_options(synchronize_session=False))


def top_share(members: int) -> tuple[int, float]:
    """The top 1% of members (ceil) and the share of live posts they wrote."""
    top = max(1, math.ceil(members / 100))
    per_author = (
        select(func.count().label("n"))
        .select_from(Post)
        .where(Post.deleted_at.is_(None))
        .group_by(Post.author_id)
        .order_by(desc("n"))
        .limit(top)
        .subquery()
    )
    written = db.session.scalar(select(func.coalesce(func.sum(per_author.c.n), 0)))
    total = db.session.scalar(
        select(func.count()).select_from(Post).where(Post.deleted_at.is_(None))
    )
    return top, (written or 0) / total if total else 0.0


def summarize() -> DemoSummary:
    """Count what the forum holds now."""

    def count(model: Any, *where: Any) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    members = count(User)
    top, share = top_share(members)
    return DemoSummary(
        members=members,
        categories=count(Category),
        topics=count(Topic),
        posts=count(Post),
        votes=count(PostVote),
        accepted=count(Topic, Topic.accepted_post_id.is_not(None)),
        top_members=top,
        top_share=share,
    )
