"""Facts the ledger must hold: every post, helpful vote and solution has its entry.

`tribune points verify` checks totals against the ledger and, here, the forum against
the ledger, so a vote stored without its points (as a failed disk once left) is found.
An entry that was later reversed still counts: the fact was recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, literal, or_, select, union_all

from app.badges.history import event_key
from app.badges.models import LedgerEntry
from app.core.sql import stamp
from app.extensions import db
from app.forum.models import AnonymousVote, Post, PostVote, Topic
from app.forum.review_hold import HELD_REASON


def _counted() -> Any:
    """Posts and topics that still count: not deleted, not waiting for review."""
    return and_(
        Topic.deleted_at.is_(None),
        Post.deleted_at.is_(None),
        or_(Post.hidden_reason.is_(None), Post.hidden_reason != HELD_REASON),
    )


def _has(*conditions: Any) -> Any:
    return select(LedgerEntry.id).where(*conditions).exists()


def facts_without_entries(limit: int = 50) -> list[tuple[str, int, int, str]]:
    """(fact, member credited, post id, detail) for each fact the ledger lacks."""
    posts = (
        select(literal("post"), Post.author_id, Post.id, literal(""))
        .join(Topic, Topic.id == Post.topic_id)
        .where(_counted())
        .where(
            ~_has(
                LedgerEntry.post_id == Post.id,
                LedgerEntry.action.in_(("topic_started", "reply_posted")),
            )
        )
    )
    vote_key = event_key("vote", PostVote.post_id, PostVote.user_id, stamp(PostVote.created_at))
    votes = (
        select(literal("vote"), Post.author_id, Post.id, vote_key)
        .select_from(PostVote)
        .join(Post, Post.id == PostVote.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(_counted(), Post.author_id != PostVote.user_id)
        .where(~_has(LedgerEntry.event_key == vote_key))
    )
    anonymous_key = event_key("anonvote", AnonymousVote.id)
    anonymous = (
        select(literal("vote"), Post.author_id, Post.id, anonymous_key)
        .select_from(AnonymousVote)
        .join(Post, Post.id == AnonymousVote.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(_counted())
        .where(~_has(LedgerEntry.event_key == anonymous_key))
    )
    solutions = (
        select(literal("solution"), Post.author_id, Post.id, literal(""))
        .select_from(Topic)
        .join(Post, Post.id == Topic.accepted_post_id)
        .where(_counted(), Post.author_id != Topic.author_id)
        .where(~_has(LedgerEntry.post_id == Post.id, LedgerEntry.action == "answer_accepted"))
    )
    query = union_all(posts, votes, anonymous, solutions).limit(limit)
    return [tuple(row) for row in db.session.execute(query).all()]  # type: ignore[misc]


@dataclass(frozen=True)
class ExtraVerification:
    """A check a higher package adds to `tribune points verify` (rewards: balances).

    ``problems`` lists what is wrong (the command fails); ``fix`` repairs it under
    ``--fix`` and returns how many rows it changed; ``notes`` lists what is worth
    reading but not wrong."""

    name: str
    problems: Callable[[], list[str]]
    fix: Callable[[], int] | None = None
    notes: Callable[[], list[str]] | None = None


_EXTRA = "tribune.points_extra_verifications"


def register_extra_verification(app: Flask, verification: ExtraVerification) -> None:
    """Have `tribune points verify` run ``verification`` too (call from init_app)."""
    app.extensions.setdefault(_EXTRA, []).append(verification)


def extra_verifications() -> list[ExtraVerification]:
    return list(current_app.extensions.get(_EXTRA, []))
