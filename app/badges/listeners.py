"""Turn forum events into ledger entries and instant badges.

Each handler runs inside the transaction of the change that earned the points (see
app.core.events): a vote and its ledger entry are stored together or not at all. Event
keys make every handler idempotent: the same event twice is one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, or_, select

from app.accounts.models import User
from app.badges import awards, points
from app.badges.models import LedgerEntry
from app.badges.points import Award
from app.core import events
from app.core.clock import now_utc
from app.core.event_payloads import (
    AnswerAccepted,
    AnswerUnaccepted,
    HistoryImported,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostRestored,
    TopicCreated,
    VoteCast,
    VoteRetracted,
)
from app.extensions import db
from app.forum.models import Post, Topic


def _ts(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S.%f")


def _vote_action(topic_kind: str, is_opening_post: bool) -> str:
    if topic_kind == "question":
        return "question_voted" if is_opening_post else "answer_voted"
    return "post_voted"


def on_vote_cast(p: VoteCast) -> None:
    topic = db.session.get(Topic, p.topic_id)
    points.record(
        Award(
            user_id=p.author_id,
            action=_vote_action(p.topic_kind, p.is_opening_post),
            event_key=f"vote:{p.post_id}:{p.voter_id}:{_ts(p.created_at)}",
            at=p.created_at,
            post_id=p.post_id,
            topic_id=p.topic_id,
            category_id=topic.category_id if topic else None,
            actor_id=p.voter_id,
            capped=True,
        )
    )
    awards.after_vote(p.voter_id, p.author_id, p.post_id)


def on_vote_retracted(p: VoteRetracted) -> None:
    # By post, voter and action, not by event key: after a delete and restore the
    # vote's points live on in a "restore:" entry.
    entries = points.live_entries(
        LedgerEntry.post_id == p.post_id,
        LedgerEntry.actor_id == p.voter_id,
        LedgerEntry.action.in_(("answer_voted", "question_voted", "post_voted")),
    )
    points.reverse_all(entries, "vote_retracted", p.retracted_at)


def on_answer_accepted(p: AnswerAccepted) -> None:
    at = p.accepted_at
    topic = db.session.get(Topic, p.topic_id)
    category_id = topic.category_id if topic else None
    # Keyed on the acceptance itself (the topic's revision it made), not on the clock:
    # the same acceptance recorded twice is one entry.
    key = f"accept:{p.topic_id}:{p.post_id}:r{p.topic_revision}"
    # No points for accepting one's own answer.
    if p.answer_author_id != p.accepted_by_id:
        common = {"post_id": p.post_id, "topic_id": p.topic_id, "category_id": category_id}
        points.record(
            Award(
                user_id=p.answer_author_id,
                action="answer_accepted",
                event_key=key,
                at=at,
                actor_id=p.accepted_by_id,
                **common,
            )
        )
        if p.accepted_by_id == p.question_author_id:
            points.record(
                Award(
                    user_id=p.accepted_by_id,
                    action="accepted_an_answer",
                    event_key=key + ":accepter",
                    at=at,
                    actor_id=p.accepted_by_id,
                    **common,
                )
            )
    awards.after_accept(p.answer_author_id, p.accepted_by_id, p.post_id, p.topic_id)


def on_answer_unaccepted(p: AnswerUnaccepted) -> None:
    entries = points.live_entries(
        LedgerEntry.post_id == p.post_id,
        LedgerEntry.action.in_(("answer_accepted", "accepted_an_answer")),
    )
    points.reverse_all(entries, "answer_unaccepted", p.unaccepted_at)


def on_topic_created(p: TopicCreated) -> None:
    points.record(
        Award(
            user_id=p.author_id,
            action="topic_started",
            event_key=f"topic:{p.topic_id}",
            at=p.created_at,
            post_id=p.post_id,
            topic_id=p.topic_id,
            category_id=p.category_id,
        )
    )
    awards.after_post(p.author_id, p.post_id, p.topic_id, is_topic=True)


def _is_newcomers_first_question(topic: Topic, answer_id: int) -> bool:
    """Its asker joined recently, it is their first topic, and this is its first answer."""
    asker = db.session.get(User, topic.author_id)
    if asker is None or topic.kind != "question":
        return False
    newcomer_until = asker.created_at + timedelta(days=current_app.config["NEWCOMER_DAYS"])
    if topic.created_at > newcomer_until:
        return False
    earlier_topic = db.session.scalar(
        select(Topic.id).where(Topic.author_id == asker.id, Topic.id < topic.id).limit(1)
    )
    first_answer = db.session.scalar(
        select(func.min(Post.id)).where(
            Post.topic_id == topic.id,
            Post.position > 0,
            Post.author_id != asker.id,
            or_(Post.deleted_at.is_(None), Post.id == answer_id),
        )
    )
    return earlier_topic is None and first_answer == answer_id


def on_post_created(p: PostCreated) -> None:
    at = p.created_at
    common = {"post_id": p.post_id, "topic_id": p.topic_id, "category_id": p.category_id}
    points.record(
        Award(
            user_id=p.author_id,
            action="reply_posted",
            event_key=f"post:{p.post_id}",
            at=at,
            **common,
        )
    )
    topic = db.session.get(Topic, p.topic_id)
    welcomed = (
        topic is not None
        and p.author_id != p.topic_author_id
        and _is_newcomers_first_question(topic, p.post_id)
    )
    if welcomed:
        points.record(
            Award(
                user_id=p.author_id,
                action="welcomed_newcomer",
                event_key=f"welcome:{p.topic_id}",
                at=at,
                actor_id=p.topic_author_id,
                **common,
            )
        )
    awards.after_post(p.author_id, p.post_id, p.topic_id, welcomed=welcomed)


def on_post_deleted(p: PostDeleted) -> None:
    """Deleting a post takes back every point it earned; deleting a topic, all of its posts'."""
    condition = (
        LedgerEntry.topic_id == p.topic_id
        if p.is_opening_post
        else LedgerEntry.post_id == p.post_id
    )
    points.reverse_all(points.live_entries(condition), "post_deleted", p.deleted_at)


def on_post_restored(p: PostRestored) -> None:
    """A restored post earns back what its deletion reversed (each reversal once)."""
    post = db.session.get(Post, p.post_id)
    if post is None:
        return
    column = LedgerEntry.topic_id if post.position == 0 else LedgerEntry.post_id
    target = p.topic_id if post.position == 0 else p.post_id
    at = now_utc()
    reversals = db.session.scalars(
        select(LedgerEntry).where(
            column == target,
            LedgerEntry.reason == "post_deleted",
            LedgerEntry.reverses_id.is_not(None),
        )
    ).all()
    for reversal in reversals:
        original = db.session.get(LedgerEntry, reversal.reverses_id)
        if original is None:
            continue
        points.record(
            Award(
                user_id=original.user_id,
                action=original.action,
                event_key=f"restore:{reversal.id}",
                at=at,
                post_id=original.post_id,
                topic_id=original.topic_id,
                category_id=original.category_id,
                actor_id=original.actor_id,
                capped=original.capped,
            ),
            points=original.points,
        )


def on_post_edited(p: PostEdited) -> None:
    awards.after_edit(p.editor_id, p.post_id)


def on_history_imported(p: HistoryImported) -> None:
    from app.badges.history import rebuild_from_history

    rebuild_from_history()


HANDLERS: dict[type[Any], Callable[[Any], None]] = {
    VoteCast: on_vote_cast,
    VoteRetracted: on_vote_retracted,
    AnswerAccepted: on_answer_accepted,
    AnswerUnaccepted: on_answer_unaccepted,
    TopicCreated: on_topic_created,
    PostCreated: on_post_created,
    PostDeleted: on_post_deleted,
    PostRestored: on_post_restored,
    PostEdited: on_post_edited,
}


def connect(app: Flask) -> None:
    for event_type, handler in HANDLERS.items():
        events.handle_in_transaction(app, event_type, handler)
    # After the rows' commit, in a transaction of its own: a rebuild that fails leaves
    # the import stored, and `tribune points rebuild` finishes it.
    events.handle_after_commit(app, HistoryImported, on_history_imported)
