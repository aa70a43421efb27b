"""After the commit: nothing that runs once a request's change is stored answers a 500.

A request commits once (``app.core.events.commit``). What runs after that (listeners,
the redirect, the rollback that closes the session at the end of the request) may meet
a connection that died in between (a database restart). The change is stored: an
error page would have the member send the form again, and post it twice. So those
steps roll back and close quietly: the failure is logged, never raised. SQLAlchemy
invalidates a connection that failed as a dead one, so the pool opens a fresh one, and
on PostgreSQL every connection the pool hands out is checked first (``pool_pre_ping``).
"""

from __future__ import annotations

import logging

from flask import Flask

from app.extensions import db

log = logging.getLogger(__name__)


def rollback_quietly() -> None:
    """Roll the request's session back; a failure is logged, and the session stays usable.

    A failed rollback still ends the session's transaction (its objects are expired, not
    detached), so the request can go on to its redirect or its error page.
    """
    try:
        db.session.rollback()
    except Exception:
        log.warning("the database session could not be rolled back", exc_info=True)


def close_session(exception: BaseException | None = None) -> None:
    """The end of every request: close its session without ever raising."""
    try:
        db.session.remove()
    except Exception:
        log.warning("the database session could not be closed after the request", exc_info=True)
        # remove() stopped before forgetting the session: forget it, so the next request
        # starts with a new one.
        db.session.registry.clear()


def init_app(app: Flask) -> None:
    # Teardowns run in the reverse order of their registration, so this one runs before
    # Flask-SQLAlchemy's, which then finds no session left to close.
    app.teardown_appcontext(close_session)
