"""The audit log of what moderators and helpers do through the forum.

The forum knows nothing of the audit log: it sends events, and every change one member
makes to another's content (an edit, a chosen solution, a topic moved, retagged,
locked, pinned or closed as a duplicate) becomes an audit row here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from app.core import events
from app.core.event_payloads import (
    ActionTaken,
    AnswerAccepted,
    PostEdited,
    RoleChanged,
    TopicChanged,
)
from app.moderation.services import record_audit


def _audit(actor_id: int | None, action: str, target: str, target_id: int, **fields: Any) -> None:
    fields["at"] = fields.pop("created_at", None)
    record_audit(actor_id, action, target, target_id, **fields)


def on_topic_changed(p: TopicChanged) -> None:
    _audit(
        p.actor_id, f"topic.{p.action}", "topic", p.topic_id,
        before=p.before, after=p.after, reason=p.reason, created_at=p.changed_at,
    )  # fmt: skip


def on_post_edited(p: PostEdited) -> None:
    if p.editor_id == p.author_id:
        return
    _audit(
        p.editor_id, "post.edit", "post", p.post_id,
        after={"revision": p.revision_number}, reason=p.reason, created_at=p.edited_at,
    )  # fmt: skip


def on_answer_accepted(p: AnswerAccepted) -> None:
    if p.accepted_by_id == p.question_author_id:
        return
    _audit(
        p.accepted_by_id, "answer.accept", "post", p.post_id,
        before={"accepted_post_id": p.previous_post_id},
        after={"accepted_post_id": p.post_id, "topic_id": p.topic_id},
        created_at=p.accepted_at,
    )  # fmt: skip


def on_role_changed(p: RoleChanged) -> None:
    _audit(
        p.changed_by_id, "user.role", "user", p.user_id,
        before={"role": p.old_role}, after={"role": p.new_role},
        reason=p.reason or ("command line" if p.changed_by_id is None else ""),
        created_at=p.changed_at,
    )  # fmt: skip


def on_action_taken(p: ActionTaken) -> None:
    _audit(
        p.actor_id, p.action, p.target_type, p.target_id,
        before=p.before, after=p.after, reason=p.reason, created_at=p.at,
    )  # fmt: skip


_HANDLERS: dict[type[Any], Callable[[Any], None]] = {
    ActionTaken: on_action_taken,
    RoleChanged: on_role_changed,
    TopicChanged: on_topic_changed,
    PostEdited: on_post_edited,
    AnswerAccepted: on_answer_accepted,
}


def connect(app: Flask) -> None:
    for event_type, handler in _HANDLERS.items():
        # In the transaction of the change: an audited change is never stored without its row.
        events.handle_in_transaction(app, event_type, handler)
