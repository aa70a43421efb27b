"""Topic view counts without a database write on every view.

Each worker process counts views in memory and adds them to the topics in one
UPDATE when enough views or seconds have gathered. A crash loses at most that
many views, which a view counter can afford; a clean exit writes what is left.
Counting is best effort: a write that fails (a full disk, the database away) is logged
and its views dropped, and the page that happened to trigger it is served as if nothing
had happened.

Each application has its own buffer (two apps in one process, as in tests, never add
one's views to the other's database). The one exit handler of the process holds the
applications weakly, so an application that is dropped is freed.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections import Counter
from typing import cast

from flask import Flask, current_app
from sqlalchemy import bindparam, text, update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.local import LocalProxy

from app.extensions import db
from app.forum.models import Topic

logger = logging.getLogger("tribune.forum")

# How long the flush waits for a topic row another transaction holds (PostgreSQL). The
# flush runs inside a page's request, on its own connection: if the request's own
# session (or a long import) holds one of those rows, waiting would never end, so it
# gives up and drops the views instead. SQLite's busy timeout plays the same part.
FLUSH_LOCK_TIMEOUT = "2s"


class ViewBuffer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[int] = Counter()
        self._since = time.monotonic()

    def record(self, topic_id: int) -> None:
        config = current_app.config
        with self._lock:
            self._counts[topic_id] += 1
            due = (
                sum(self._counts.values()) >= config["VIEW_FLUSH_EVERY_VIEWS"]
                or time.monotonic() - self._since >= config["VIEW_FLUSH_EVERY_SECONDS"]
            )
        if due:
            self.flush()

    def flush(self) -> int:
        """Write the gathered views in one statement; returns how many topics it touched."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
            self._since = time.monotonic()
        if not counts:
            return 0
        statement = (
            update(Topic.__table__)
            .where(Topic.__table__.c.id == bindparam("topic_id"))
            .values(view_count=Topic.__table__.c.view_count + bindparam("views"))
        )
        try:
            # Its own connection and transaction: never mixed into the request's session,
            # so a failure here leaves the page's own reads and writes untouched.
            with db.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text(f"SET LOCAL lock_timeout = '{FLUSH_LOCK_TIMEOUT}'"))
                connection.execute(
                    statement, [{"topic_id": tid, "views": n} for tid, n in counts.items()]
                )
        except SQLAlchemyError:
            logger.warning(
                "view counts not written (%d views of %d topics dropped)",
                sum(counts.values()), len(counts), exc_info=True,
            )  # fmt: skip
            return 0
        return len(counts)


def current_buffer() -> ViewBuffer:
    """The current application's buffer."""
    return cast(ViewBuffer, current_app.extensions["tribune.view_buffer"])


# `views.record(topic_id)`: the buffer of whichever application is serving.
views = cast(ViewBuffer, LocalProxy(current_buffer))

_applications: weakref.WeakSet[Flask] = weakref.WeakSet()


def flush_every_application() -> None:
    """Write the views still gathered, for every application still alive (at exit)."""
    for app in list(_applications):
        with app.app_context():
            try:
                current_buffer().flush()
            except Exception:  # the database is gone: those views are lost, as in a crash
                logger.exception("views could not be written at exit")


atexit.register(flush_every_application)  # once per process, holding no application


def init_app(app: Flask) -> None:
    app.extensions["tribune.view_buffer"] = ViewBuffer()
    _applications.add(app)
