"""The counters an import leaves to the end, recomputed in SQL for every topic and category."""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.extensions import db
from app.forum.models import AnonymousVote, Category, Post, PostVote, Topic


def recount() -> None:
    """Every topic's and category's counters and dates, and every post's votes, from the rows."""
    live_replies = (
        select(func.count(Post.id))
        .where(Post.topic_id == Topic.id, Post.position > 0, Post.deleted_at.is_(None))
        .scalar_subquery()
    )
    last_post = (
        select(func.max(Post.created_at))
        .where(Post.topic_id == Topic.id, Post.deleted_at.is_(None))
        .scalar_subquery()
    )
    # A topic whose posts are all deleted keeps the date it has (the column is required).
    latest = func.coalesce(last_post, Topic.last_posted_at)
    db.session.execute(update(Topic).values(reply_count=live_replies, last_posted_at=latest))
    named = select(func.count()).where(PostVote.post_id == Post.id).scalar_subquery()
    anonymous = select(func.count()).where(AnonymousVote.post_id == Post.id).scalar_subquery()
    db.session.execute(update(Post).values(vote_count=named + anonymous))
    live_topic = (Topic.category_id == Category.id) & Topic.deleted_at.is_(None)
    db.session.execute(
        update(Category).values(
            topic_count=select(func.count(Topic.id)).where(live_topic).scalar_subquery(),
            post_count=select(func.coalesce(func.sum(Topic.reply_count + 1), 0))
            .where(live_topic)
            .scalar_subquery(),
            last_posted_at=select(func.max(Topic.last_posted_at))
            .where(live_topic)
            .scalar_subquery(),
            # Lists cached per category revision show the imported topics at once.
            revision=Category.revision + 1,
        )
    )
