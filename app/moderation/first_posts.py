"""Newcomers' first posts held for review (HOLD_FIRST_POSTS): the list and the decisions.

Moderators and helpers (``post.review_first``) approve a held post, which shows it and
sends its creation event (notifications, points) as if it had just been posted, or
reject it, which deletes it. Both are written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core.text import excerpt
from app.extensions import db
from app.forum import review_hold, visibility
from app.forum.errors import ForumError
from app.forum.models import Category, Post, Topic
from app.moderation.services import ModerationError, audit

LIMIT = 100


@dataclass(frozen=True)
class HeldPost:
    post_id: int
    topic_id: int
    topic_title: str
    is_topic: bool
    author: str
    author_joined: datetime
    excerpt: str
    created_at: datetime


def held_posts(reviewer: User, limit: int = LIMIT) -> list[HeldPost]:
    """Posts waiting for review, oldest first, in the categories the reviewer may read."""
    rows = db.session.execute(
        select(Post, Topic.title, User.username, User.created_at)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .join(User, User.id == Post.author_id)
        .where(
            Post.hidden_reason == review_hold.HELD_REASON,
            Post.hidden_at.is_not(None),
            Post.deleted_at.is_(None),
            visibility.category_clause(reviewer),
        )
        .order_by(Post.created_at, Post.id)
        .limit(limit)
    ).all()
    return [
        HeldPost(
            post.id, post.topic_id, title, post.is_opening_post, username, joined,
            excerpt(post.body_html, 300), post.created_at,
        )
        for post, title, username, joined in rows
    ]  # fmt: skip


def _require(reviewer: User) -> None:
    if not reviewer.can("post.review_first"):
        raise ModerationError(_l("You may not do that."), status=403)


def approve(reviewer: User, post: Post, reason: str = "") -> None:
    _require(reviewer)
    try:
        review_hold.release_held_post(post)
    except ForumError as error:
        raise ModerationError(error.message, status=409) from error
    audit(reviewer, "post.approve_first", "post", post.id, after={"hidden": False}, reason=reason)


def reject(reviewer: User, post: Post, reason: str = "") -> None:
    _require(reviewer)
    try:
        review_hold.reject_held_post(reviewer, post)
    except ForumError as error:
        raise ModerationError(error.message, status=409) from error
    audit(reviewer, "post.reject_first", "post", post.id, after={"deleted": True}, reason=reason)
