"""Topic view counts without a database write on every view.

Each worker process counts views in memory and adds them to the topics in one
UPDATE when enough views or seconds have gathered. A crash loses at most that
many views, which a view counter can afford; a clean exit writes what is left.

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
from sqlalchemy import bindparam, update
from werkzeug.local import LocalProxy

from app.extensions import db
from app.forum.models import Topic


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
        # Its own connection and transaction: never mixed into the request's session.
        with db.engine.begin() as connection:
            connection.execute(
                statement, [{"topic_id": tid, "views": n} for tid, n in counts.items()]
            )
        return len(counts)


def current_buffer() -> ViewBuffer:
    """The current application's buffer."""
    return cast(ViewBuffer, current_app.extensions["tribune.view_buffer"])


# `views.record(topic_id)`: the buffer of whichever application is serving.
views = cast(ViewBuffer, LocalProxy(current_buffer))

logger = logging.getLogger("tribune.forum")
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
