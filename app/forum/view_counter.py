"""Topic view counts without a database write on every view.

Each worker process counts views in memory and adds them to the topics in one
UPDATE when enough views or seconds have gathered. A crash loses at most that
many views, which a view counter can afford. Counting is best effort: a write that
fails (a full disk, the database away) is logged and its views dropped, and the page
that happened to trigger it is served as if nothing had happened.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

from flask import current_app
from sqlalchemy import bindparam, update
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.forum.models import Topic

log = logging.getLogger(__name__)


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
                connection.execute(
                    statement, [{"topic_id": tid, "views": n} for tid, n in counts.items()]
                )
        except SQLAlchemyError:
            log.warning(
                "view counts not written (%d views of %d topics dropped)",
                sum(counts.values()), len(counts), exc_info=True,
            )  # fmt: skip
            return 0
        return len(counts)


views = ViewBuffer()
