"""Topic view counts without a database write on every view.

Each worker process counts views in memory and adds them to the topics in one
UPDATE when enough views or seconds have gathered. A crash loses at most that
many views, which a view counter can afford.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from flask import current_app
from sqlalchemy import bindparam, update

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


views = ViewBuffer()
