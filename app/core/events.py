"""Domain events: handled inside the transaction that made them, then announced after it.

Services never send a signal directly. They ``queue()`` it on the current session.
``commit()`` is the one unit of work:

1. every handler registered with ``handle_in_transaction()`` runs for each queued event,
   in the same transaction (points, badges, notifications, audit rows): the change and
   what it earns are stored together or not at all, and a handler that raises rolls
   the whole change back;
2. the session commits once;
3. the blinker signal is sent, for listeners that must only ever see committed data
   (rebuilding derived tables after a bulk import). A listener that raises there is
   logged and the others still run: the change itself is already stored.

A failed request (rolled back) handles and sends nothing.

Every payload holds plain values (ids, kinds, timestamps), never ORM objects, so a
handler or listener loads what it needs itself. The sender is always the name of
the package that sent the event ("accounts", "forum").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from blinker import NamedSignal, Namespace
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.core.teardown import rollback_quietly
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
accepted_by_id, question_author_id, previous_post_id (or None), topic_revision (the
topic's revision once accepted: one acceptance, one value, whatever the moment),
accepted_at."""

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
_IN_TRANSACTION: dict[NamedSignal, list[Callable[..., None]]] = {}
log = logging.getLogger(__name__)


def handle_in_transaction(signal: NamedSignal, handler: Callable[..., None]) -> None:
    """Run ``handler(sender, **payload)`` inside the transaction of every ``signal`` queued.

    The handler writes through ``db.session`` and never commits; events it queues are
    handled in their turn before the commit.
    """
    handlers = _IN_TRANSACTION.setdefault(signal, [])
    if handler not in handlers:
        handlers.append(handler)


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
    """Handle the queued events in the transaction, commit once, then announce them."""
    pending = db.session.info.get(_PENDING, [])
    handled = 0
    # Handlers may queue further events (a badge earned by a vote): handle them too.
    while handled < len(pending):
        signal, sender, payload = pending[handled]
        for handler in _IN_TRANSACTION.get(signal, ()):
            handler(sender, **payload)
        handled += 1
    db.session.commit()
    announced = db.session.info.pop(_PENDING, [])
    for signal, sender, payload in announced:
        _announce(signal, sender, payload)


def _announce(signal: NamedSignal, sender: str, payload: dict[str, Any]) -> None:
    for receiver in signal.receivers_for(sender):
        try:
            receiver(sender, **payload)
        except Exception:
            # The change is committed; one failing listener must not hide it behind a
            # 500 nor keep the others from running.
            log.exception("listener %r failed on %s", receiver, signal.name)
            rollback_quietly()


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_pending_events(session: Session, previous_transaction: Any) -> None:
    # A savepoint rolled back (a duplicate caught by a service) keeps the outer
    # transaction, and with it the events already queued.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
