"""Domain events: blinker signals sent after the change they describe is committed.

Services never send a signal directly. They ``queue()`` it on the current session;
``commit()`` commits and then sends what was queued, so a listener never sees
uncommitted data and a failed request (rolled back) sends nothing.

Every payload holds plain values (ids, kinds, timestamps), never ORM objects, so a
listener loads what it needs in its own transaction. The sender is always the name of
the package that sent the event ("accounts", "forum").
"""

from __future__ import annotations

from typing import Any

from blinker import NamedSignal, Namespace
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.extensions import db

signals = Namespace()

user_registered: NamedSignal = signals.signal("user-registered")
"""A member account was created. Payload: user_id, username, registration_ip, created_at."""

role_changed: NamedSignal = signals.signal("role-changed")
"""A member's role changed. Payload: user_id, old_role, new_role, changed_by_id (None:
the command line), reason, changed_at."""

topic_created: NamedSignal = signals.signal("topic-created")
"""A topic was started. Payload: topic_id, post_id (the opening post), author_id,
category_id, kind ("question" or "discussion"), created_at."""

post_created: NamedSignal = signals.signal("post-created")
"""An answer or reply was posted (not the opening post; see topic_created). Payload:
post_id, topic_id, author_id, topic_author_id, topic_kind, category_id,
reply_to_post_id (or None), mentioned_user_ids (list), created_at."""

post_edited: NamedSignal = signals.signal("post-edited")
"""A post's body (or its topic's title) changed. Payload: post_id, topic_id, author_id,
editor_id, revision_number, reason, edited_at."""

post_deleted: NamedSignal = signals.signal("post-deleted")
"""A post was soft-deleted (for the opening post, the whole topic). Payload: post_id,
topic_id, author_id, deleted_by_id, is_opening_post, deleted_at."""

post_restored: NamedSignal = signals.signal("post-restored")
"""A soft-deleted post came back. Payload: post_id, topic_id, author_id, restored_by_id."""

vote_cast: NamedSignal = signals.signal("vote-cast")
"""A member marked a post helpful. Payload: post_id, topic_id, voter_id, author_id,
is_opening_post, topic_kind, created_at."""

vote_retracted: NamedSignal = signals.signal("vote-retracted")
"""A helpful vote was withdrawn. Payload: post_id, topic_id, voter_id, author_id,
is_opening_post, topic_kind, retracted_at."""

answer_accepted: NamedSignal = signals.signal("answer-accepted")
"""An answer was marked as the solution. Payload: topic_id, post_id, answer_author_id,
accepted_by_id, question_author_id, previous_post_id (or None), accepted_at."""

answer_unaccepted: NamedSignal = signals.signal("answer-unaccepted")
"""An answer stopped being the solution (un-marked or replaced). Payload: topic_id,
post_id, answer_author_id, unaccepted_by_id, unaccepted_at."""

topic_changed: NamedSignal = signals.signal("topic-changed")
"""A moderator or helper changed a topic. Payload: topic_id, actor_id, author_id, action
("move", "retag", "lock", "unlock", "pin", "unpin", "close_duplicate", "reopen",
"merge", "split"),
before and after (dicts of the changed fields), reason, changed_at."""

action_taken: NamedSignal = signals.signal("action-taken")
"""A member of staff did something the audit log must show, in a package that cannot
write it (API tokens, point values). Payload: actor_id (None: the command line), action,
target_type, target_id, before, after, reason, at."""

history_imported: NamedSignal = signals.signal("history-imported")
"""Forum rows were written in bulk (the demo seed, an import) without an event per
action; listeners derive what they keep from the rows themselves. Payload: none."""

_PENDING = "tribune.pending_events"


def queue(signal: NamedSignal, sender: str, **payload: Any) -> None:
    """Send ``signal`` once the current transaction commits; drop it if it rolls back."""
    db.session.info.setdefault(_PENDING, []).append((signal, sender, payload))


def queue_audit(
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Ask for an audit row once the change commits (see ``action_taken``)."""
    from app.core.clock import now_utc

    queue(action_taken, "core", actor_id=actor_id, action=action, target_type=target_type,
          target_id=target_id, before=before, after=after, reason=reason, at=now_utc())  # fmt: skip


def commit() -> None:
    """Commit the session, then send the events queued during the transaction."""
    db.session.commit()
    pending = db.session.info.pop(_PENDING, [])
    for signal, sender, payload in pending:
        signal.send(sender, **payload)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_pending_events(session: Session, previous_transaction: object) -> None:
    session.info.pop(_PENDING, None)
