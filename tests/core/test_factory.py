"""create_app leaves nothing behind: an application that is dropped is freed."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from flask import Flask

from app import create_app
from app.extensions import db
from app.forum import view_counter

BUFFERED = {"VIEW_FLUSH_EVERY_VIEWS": 1000, "VIEW_FLUSH_EVERY_SECONDS": 3600}


def _used_app(database_url: str, pools: list[Any]) -> weakref.ref[Flask]:
    """An application that served pages and counted a view, then was dropped (its
    connection back in its pool, not closed: nobody disposed of its engine)."""
    app = create_app("testing", {"DATABASE_URL": database_url, **BUFFERED})
    with app.app_context():
        client = app.test_client()
        assert client.get("/").status_code == 200
        assert client.get("/nowhere").status_code == 404
        view_counter.views.record(1)  # left in its buffer, as at the end of a worker
        pools.append(db.engine.pool)
    return weakref.ref(app)


def test_applications_that_are_dropped_are_freed_and_close_their_connections(database_url):
    pools: list[Any] = []
    gc.disable()  # the collector would free the first ones while the others are made
    try:
        refs = [_used_app(database_url, pools) for _ in range(6)]
        assert [pool.checkedin() for pool in pools] == [1] * 6
    finally:
        gc.enable()
    gc.collect()
    assert [ref() for ref in refs] == [None] * 6
    assert [pool.checkedin() for pool in pools] == [0] * 6


def test_each_application_counts_its_own_views(database_url):
    first = create_app("testing", {"DATABASE_URL": database_url, **BUFFERED})
    second = create_app("testing", {"DATABASE_URL": database_url, **BUFFERED})
    with first.app_context():
        view_counter.views.record(7)
    with second.app_context():
        assert view_counter.views.flush() == 0  # nothing of the first one's
        db.engine.dispose()
    with first.app_context():
        assert view_counter.views.flush() == 1  # topic 7's view
        db.engine.dispose()
