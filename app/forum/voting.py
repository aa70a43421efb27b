"""Helpful votes on posts: cast and retracted. Callers commit with app.core.events.commit()."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core import events
from app.core.clock import now_utc
from app.core.event_payloads import VoteCast, VoteRetracted
from app.core.sql import savepoint
from app.extensions import db
from app.forum.errors import ForumError, NotFound, require
from app.forum.models import Post, PostVote, Topic
from app.forum.topic_state import touch_topic


def _votable(voter: User, post: Post) -> Topic:
    require(voter, "post.vote")
    topic = db.session.get(Topic, post.topic_id)
    if topic is None or post.deleted_at is not None or topic.deleted_at is not None:
        raise NotFound()
    if post.author_id == voter.id:
        raise ForumError(_l("You cannot vote for your own post."), status=403)
    return topic


def vote(voter: User, post: Post) -> bool:
    """Mark a post helpful; returns False if this member had already voted for it."""
    topic = _votable(voter, post)
    at = now_utc()
    try:
        with savepoint():
            db.session.add(PostVote(post_id=post.id, user_id=voter.id, created_at=at))
    except IntegrityError:
        return False
    _counted(post, topic, 1)
    events.queue(
        VoteCast(
            post_id=post.id,
            topic_id=topic.id,
            voter_id=voter.id,
            author_id=post.author_id,
            is_opening_post=post.is_opening_post,
            topic_kind=topic.kind,
            created_at=at,
        )
    )
    return True


def retract_vote(voter: User, post: Post) -> bool:
    """Withdraw a helpful vote; returns False if there was none.

    A vote is locked once VOTE_CHANGE_WINDOW_SECONDS have passed, unless the post was
    edited after the vote (then the voter may want to reconsider).
    """
    topic = _votable(voter, post)
    cast = db.session.get(PostVote, (post.id, voter.id))
    if cast is None:
        return False
    window = timedelta(seconds=current_app.config["VOTE_CHANGE_WINDOW_SECONDS"])
    edited_since = post.edited_at is not None and post.edited_at > cast.created_at
    if now_utc() - cast.created_at > window and not edited_since:
        raise ForumError(
            _l("Your vote is locked: it can change within 5 minutes, or after the post is edited."),
            status=409,
        )
    removed = db.session.execute(
        delete(PostVote).where(PostVote.post_id == post.id, PostVote.user_id == voter.id)
    ).rowcount
    if not removed:
        return False
    _counted(post, topic, -1)
    events.queue(
        VoteRetracted(
            post_id=post.id,
            topic_id=topic.id,
            voter_id=voter.id,
            author_id=post.author_id,
            is_opening_post=post.is_opening_post,
            topic_kind=topic.kind,
            retracted_at=now_utc(),
        )
    )
    return True


def _counted(post: Post, topic: Topic, change: int) -> None:
    """The post's vote count and its topic's revision follow."""
    db.session.execute(
        update(Post).where(Post.id == post.id).values(vote_count=Post.vote_count + change)
    )
    touch_topic(topic.id)
