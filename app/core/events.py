"""Domain events: handled inside the transaction that made them, then announced after it.

Services never send a signal directly. They ``queue()`` an event, the frozen dataclass
of app/core/event_payloads.py that says what happened (its signal is looked up from its
type). ``commit()`` is the one unit of work:

1. every handler registered with ``handle_in_transaction()`` runs for each queued event,
   in the same transaction (points, badges, notifications, audit rows): the change and
   what it earns are stored together or not at all, and a handler that raises rolls
   the whole change back;
2. the session commits once;
3. every handler registered with ``handle_after_commit()`` runs, each in a transaction
   of its own (rebuilding derived tables after a bulk import), then the blinker signal
   is sent to its listeners (observers: tests, extensions). A handler or listener that
   raises there is logged and the others still run: the change itself is stored.

A failed request (rolled back) handles and sends nothing. Handlers and listeners receive
the event itself: ``handler(event)``; blinker's sender is the event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from blinker import NamedSignal, Namespace
from flask import Flask, current_app
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.core.event_payloads import (
    ActionTaken,
    AnswerAccepted,
    AnswerUnaccepted,
    ExternalSignalsStored,
    HistoryImported,
    MemberSuspended,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostRestored,
    RoleChanged,
    TopicChanged,
    TopicCreated,
    UserRegistered,
    VoteCast,
    VoteRetracted,
)
from app.core.teardown import rollback_quietly
from app.extensions import db

signals = Namespace()

# Each signal with the payload class it carries (what it means is documented there).
SIGNALS: dict[type[Any], NamedSignal] = {
    UserRegistered: signals.signal("user-registered"),
    RoleChanged: signals.signal("role-changed"),
    MemberSuspended: signals.signal("member-suspended"),
    ExternalSignalsStored: signals.signal("external-signals-stored"),
    TopicCreated: signals.signal("topic-created"),
    PostCreated: signals.signal("post-created"),
    PostEdited: signals.signal("post-edited"),
    PostDeleted: signals.signal("post-deleted"),
    PostRestored: signals.signal("post-restored"),
    VoteCast: signals.signal("vote-cast"),
    VoteRetracted: signals.signal("vote-retracted"),
    AnswerAccepted: signals.signal("answer-accepted"),
    AnswerUnaccepted: signals.signal("answer-unaccepted"),
    TopicChanged: signals.signal("topic-changed"),
    ActionTaken: signals.signal("action-taken"),
    HistoryImported: signals.signal("history-imported"),
}
user_registered = SIGNALS[UserRegistered]
role_changed = SIGNALS[RoleChanged]
member_suspended = SIGNALS[MemberSuspended]
external_signals_stored = SIGNALS[ExternalSignalsStored]
topic_created = SIGNALS[TopicCreated]
post_created = SIGNALS[PostCreated]
post_edited = SIGNALS[PostEdited]
post_deleted = SIGNALS[PostDeleted]
post_restored = SIGNALS[PostRestored]
vote_cast = SIGNALS[VoteCast]
vote_retracted = SIGNALS[VoteRetracted]
answer_accepted = SIGNALS[AnswerAccepted]
answer_unaccepted = SIGNALS[AnswerUnaccepted]
topic_changed = SIGNALS[TopicChanged]
action_taken = SIGNALS[ActionTaken]
history_imported = SIGNALS[HistoryImported]

E = TypeVar("E")
Handler = Callable[[Any], None]

_PENDING = "tribune.pending_events"
log = logging.getLogger(__name__)


@dataclass
class Handlers:
    """One application's handlers, by payload class, in registration order."""

    in_transaction: dict[type[Any], list[Handler]] = field(default_factory=dict)
    after_commit: dict[type[Any], list[Handler]] = field(default_factory=dict)


_HANDLERS = "tribune.event_handlers"


def handlers(app: Flask | None = None) -> Handlers:
    """The handlers registered with ``app`` (or the current application)."""
    app = app or current_app
    found = app.extensions.get(_HANDLERS)
    if found is None:
        found = app.extensions[_HANDLERS] = Handlers()
    return found


def signal_for(event_type: type[Any]) -> NamedSignal:
    """The signal that carries ``event_type``; TypeError for anything else."""
    signal = SIGNALS.get(event_type)
    if signal is None:
        raise TypeError(
            f"{event_type.__name__} is not an event payload (app/core/event_payloads.py)"
        )
    return signal


def _add(registry: dict[type[Any], list[Handler]], event_type: type[E],
         handler: Callable[[E], None]) -> None:  # fmt: skip
    signal_for(event_type)
    handlers = registry.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def handle_in_transaction(app: Flask, event_type: type[E], handler: Callable[[E], None]) -> None:
    """Run ``handler(event)`` inside the transaction of every ``event_type`` queued in ``app``.

    The handler writes through ``db.session`` and never commits; events it queues are
    handled in their turn before the commit.
    """
    _add(handlers(app).in_transaction, event_type, handler)


def handle_after_commit(app: Flask, event_type: type[E], handler: Callable[[E], None]) -> None:
    """Run ``handler(event)`` once every ``event_type`` queued in ``app`` is committed.

    For work that must see committed data and may fail without undoing the change (a
    rebuild after a bulk import). Each run is a unit of work of its own: committed when
    the handler returns, rolled back and logged when it raises. The handler never commits.
    """
    _add(handlers(app).after_commit, event_type, handler)


def queue(event: Any) -> None:
    """Announce ``event`` once the current transaction commits; drop it if it rolls back."""
    signal_for(type(event))
    db.session.info.setdefault(_PENDING, []).append(event)


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
    """Have the change's audit row written in its transaction (an ActionTaken event).

    The audit log's handler runs inside the transaction, before the commit: the change
    is stored with its row or not at all, whatever a listener does after the commit.
    """
    from app.core.clock import now_utc

    queue(ActionTaken(actor_id=actor_id, action=action, target_type=target_type,
                      target_id=target_id, before=before, after=after, reason=reason,
                      at=now_utc()))  # fmt: skip


def commit() -> None:
    """Handle the queued events in the transaction, commit once, then announce them.

    If a handler (or the commit) fails, the whole change is rolled back and the error
    raised: nothing of it is stored, nothing announced.
    """
    in_transaction = handlers().in_transaction
    try:
        pending = db.session.info.get(_PENDING, [])
        handled = 0
        # Handlers may queue further events (a badge earned by a vote): handle them too.
        while handled < len(pending):
            event = pending[handled]
            for handler in in_transaction.get(type(event), ()):
                handler(event)
            handled += 1
        db.session.commit()
    except BaseException:
        rollback_quietly()  # a dead connection must not hide the error that matters
        raise
    for event in db.session.info.pop(_PENDING, []):
        _announce(event)


def commit_chunk() -> None:
    """Commit one chunk of a run too long for one transaction (a file imported a batch
    at a time), as ``commit()`` does.

    The one way code other than a view, a job runner or a command commits: a run
    stopped halfway keeps the chunks it finished and the next run resumes after them.
    The run's caller still commits once, at the end, for what follows the last chunk.
    """
    commit()


def _announce(event: Any) -> None:
    # The change is committed: one failing handler or listener must not hide it behind a
    # 500 nor keep the others from running.
    signal = SIGNALS[type(event)]
    for handler in handlers().after_commit.get(type(event), ()):
        try:
            handler(event)
            commit()
        except Exception:
            log.exception("after-commit handler %r failed on %s", handler, signal.name)
            rollback_quietly()
    for receiver in signal.receivers_for(event):
        try:
            receiver(event)
        except Exception:
            log.exception("listener %r failed on %s", receiver, signal.name)
            rollback_quietly()


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_pending_events(session: Session, previous_transaction: Any) -> None:
    # A savepoint rolled back (a duplicate caught by a service) keeps the outer
    # transaction, and with it the events already queued.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
