"""What every change to a topic shares: its page revision, its row lock, hiding, its solution."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from app.accounts.models import User
from app.core import events
from app.core.clock import now_utc
from app.core.event_payloads import AnswerUnaccepted
from app.extensions import db
from app.forum.models import Category, Post, Topic


def touch_topic(topic_id: int) -> None:
    """Mark the topic's page as changed (see Topic.revision), and the lists that show it
    (its category's revision); other packages call it too."""
    db.session.execute(
        update(Topic).where(Topic.id == topic_id).values(revision=Topic.revision + 1)
    )
    category_id = select(Topic.category_id).where(Topic.id == topic_id).scalar_subquery()
    change_category(category_id)


def change_category(category_id: Any, **values: Any) -> None:
    """Update a category's counts (``values``, SQL expressions) and bump its revision,
    under which its topic lists are cached (pages/list_parts.py): every change a list shows
    goes through here or touch_topic."""
    db.session.execute(
        update(Category)
        .where(Category.id == category_id)
        .values(**values, revision=Category.revision + 1)
        .execution_options(synchronize_session=False)
    )


def lock_topic(topic: Topic) -> None:
    """Serialise changes to one topic and read it afresh.

    A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite, so a
    second request (a double click) waits here and then sees what the first stored.
    """
    db.session.execute(update(Topic).where(Topic.id == topic.id).values(revision=Topic.revision))
    db.session.refresh(topic)


def hide_post(post: Post, reason: str) -> None:
    """Hide a post until it is reviewed (the moderation package decides when)."""
    if post.hidden_at is None:
        post.hidden_at = now_utc()
    post.hidden_reason = reason[:64]
    touch_topic(post.topic_id)
    db.session.flush()


def unhide_post(post: Post) -> None:
    post.hidden_at = None
    post.hidden_reason = None
    touch_topic(post.topic_id)
    db.session.flush()


def clear_solution(topic: Topic, actor: User) -> None:
    """Take away the question's solution, if any (no rights checked: callers do)."""
    if topic.accepted_post_id is None:
        return
    previous = db.session.get(Post, topic.accepted_post_id)
    topic.accepted_post_id = None
    if previous is not None:
        events.queue(
            AnswerUnaccepted(
                topic_id=topic.id,
                post_id=previous.id,
                answer_author_id=previous.author_id,
                unaccepted_by_id=actor.id,
                unaccepted_at=now_utc(),
            )
        )
