"""Posts held for review (a silenced member's, or a newcomer's first), released or rejected.

A held post's creation event waits until it is released, so the event is queued here.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core import events
from app.core.event_payloads import PostCreated, TopicCreated
from app.extensions import db
from app.forum.deletion import soft_delete
from app.forum.errors import ForumError
from app.forum.models import Post, Topic
from app.forum.tags import mentioned_user_ids
from app.forum.topic_state import unhide_post

HELD_REASON = "first_post"


def held_for_review(author: User) -> bool:
    """A silenced member's posts wait for review; with HOLD_FIRST_POSTS, so do a member's
    until one is approved."""
    if author.is_silenced():
        return True
    if not current_app.config["HOLD_FIRST_POSTS"] or author.role != "member":
        return False
    if author.can("post.review_first"):
        return False
    visible = select(Post.id).where(
        Post.author_id == author.id, Post.hidden_at.is_(None), Post.deleted_at.is_(None)
    )
    return db.session.scalar(visible.limit(1)) is None


def hold(post: Post) -> None:
    post.hidden_at = post.created_at
    post.hidden_reason = HELD_REASON


def is_held(post: Post) -> bool:
    return post.hidden_at is not None and post.hidden_reason == HELD_REASON


def queue_created(topic: Topic, post: Post) -> None:
    """The creation event of a post, when it is written or when a held one is released."""
    mentioned = tuple(mentioned_user_ids(post.body_source))
    if post.is_opening_post:
        events.queue(
            TopicCreated(
                topic_id=topic.id,
                post_id=post.id,
                author_id=post.author_id,
                category_id=topic.category_id,
                kind=topic.kind,
                mentioned_user_ids=mentioned,
                created_at=post.created_at,
            )
        )
        return
    events.queue(
        PostCreated(
            post_id=post.id,
            topic_id=topic.id,
            author_id=post.author_id,
            topic_author_id=topic.author_id,
            topic_kind=topic.kind,
            category_id=topic.category_id,
            reply_to_post_id=post.reply_to_post_id,
            mentioned_user_ids=mentioned,
            created_at=post.created_at,
        )
    )


def opening_post_is_held(topic_id: int) -> bool:
    reason = db.session.scalar(
        select(Post.hidden_reason).where(Post.topic_id == topic_id, Post.position == 0)
    )
    return reason == HELD_REASON


def release_held_post(post: Post) -> None:
    """A reviewer approved a held first post: show it and send its creation event now."""
    if not is_held(post) or post.deleted_at is not None:
        raise ForumError(_l("This post is not waiting for review."))
    topic = db.session.get(Topic, post.topic_id)
    assert topic is not None
    unhide_post(post)
    queue_created(topic, post)


def reject_held_post(actor: User, post: Post) -> None:
    """A reviewer refused a held first post: it is deleted (a held topic with it)."""
    if not is_held(post) or post.deleted_at is not None:
        raise ForumError(_l("This post is not waiting for review."))
    topic = db.session.get(Topic, post.topic_id)
    assert topic is not None
    soft_delete(actor, post, topic)
