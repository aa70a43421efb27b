"""Deleting and restoring posts (the opening post stands for its topic), and the counts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app.accounts.models import User
from app.core import events
from app.core.clock import now_utc
from app.core.event_payloads import PostDeleted, PostRestored
from app.extensions import db
from app.forum.errors import Forbidden, require
from app.forum.models import Category, Post, Topic
from app.forum.topic_state import change_category, clear_solution, touch_topic


def _count_post(topic: Topic, post: Post, sign: int) -> None:
    """Take a deleted post out of its topic's and category's counts (-1), or put a
    restored one back (+1); the opening post stands for its whole topic."""
    if post.is_opening_post:
        change_category(
            topic.category_id,
            topic_count=Category.topic_count + sign,
            post_count=Category.post_count + sign * (1 + topic.reply_count),
        )
        return
    # In SQL: a reply written meanwhile must not be lost.
    db.session.execute(
        update(Topic).where(Topic.id == topic.id).values(reply_count=Topic.reply_count + sign)
    )
    if topic.deleted_at is None:  # a deleted topic's posts are already out of the count
        change_category(topic.category_id, post_count=Category.post_count + sign)


def delete_post(actor: User, post: Post) -> None:
    """Soft-delete a post; deleting the opening post deletes the topic."""
    if post.deleted_at is not None:
        return
    if post.author_id != actor.id and not actor.can("post.delete_any"):
        raise Forbidden()
    topic = db.session.get(Topic, post.topic_id)
    assert topic is not None
    if post.is_opening_post and topic.reply_count and not actor.can("post.delete_any"):
        # Deleting a topic takes its answers (and their authors' points) with it.
        raise Forbidden(_l("A question that has answers can only be removed by a moderator."))
    soft_delete(actor, post, topic)


def soft_delete(actor: User, post: Post, topic: Topic) -> None:
    at = now_utc()
    post.deleted_at = at
    post.deleted_by_id = actor.id
    if post.is_opening_post:
        topic.deleted_at = at
    # The topic's row before its category's, as every change locks them (deadlocks).
    touch_topic(topic.id)
    _count_post(topic, post, -1)
    if topic.accepted_post_id == post.id:
        clear_solution(topic, actor)
    db.session.flush()
    events.queue(
        PostDeleted(
            post_id=post.id,
            topic_id=topic.id,
            author_id=post.author_id,
            deleted_by_id=actor.id,
            is_opening_post=post.is_opening_post,
            deleted_at=at,
        )
    )


def restore_post(actor: User, post: Post) -> None:
    if post.deleted_at is None:
        return
    require(actor, "post.delete_any")
    topic = db.session.get(Topic, post.topic_id)
    assert topic is not None
    _undelete(actor, post, topic)


def _undelete(actor: User, post: Post, topic: Topic) -> None:
    post.deleted_at = None
    post.deleted_by_id = None
    if post.is_opening_post:
        topic.deleted_at = None
    touch_topic(topic.id)
    _count_post(topic, post, +1)
    db.session.flush()
    events.queue(
        PostRestored(
            post_id=post.id, topic_id=topic.id, author_id=post.author_id, restored_by_id=actor.id
        )
    )


def remove_or_restore(actor: User, post: Post, *, restore: bool, reason: str) -> bool:
    """Delete (or restore) a post from its page; someone else's is audited with the reason.
    False when there was nothing to do (a second click): no second audit entry."""
    if restore:
        require(actor, "post.delete_any")
    elif post.author_id != actor.id and not actor.can("post.delete_any"):
        raise Forbidden()
    topic = db.session.get(Topic, post.topic_id)
    assert topic is not None
    # One UPDATE claims the change: two moderators at once make one change and one entry.
    gone = Post.deleted_at.is_not(None)
    claimed = db.session.execute(
        update(Post)
        .where(Post.id == post.id, gone if restore else ~gone)
        .values(deleted_at=None if restore else now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return False
    db.session.refresh(post)
    if restore:
        _undelete(actor, post, topic)
    else:
        soft_delete(actor, post, topic)
    if post.author_id != actor.id:
        events.queue_audit(
            actor.id,
            "post.restore" if restore else "post.delete",
            "post",
            post.id,
            before={"deleted": restore},
            after={"deleted": not restore},
            reason=reason,
        )
    return True
