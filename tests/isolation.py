"""Each test in a transaction rolled back at its end, unless it needs real commits.

How it works (SQLAlchemy's "joining a session into an external transaction"): the
``app`` fixture opens one connection and begins a transaction on it. Every session of
the test's application (the test's own and each request's, whatever its application
context) is bound to that connection with ``join_transaction_mode="create_savepoint"``:
a session's ``commit()`` releases a SAVEPOINT, its rollback rolls back to it, and the
test's end rolls the outer transaction back, so nothing is left to delete. The code
under test is unchanged: ``events.commit()`` still handles the queued events, "commits"
(the release) and then runs the after-commit handlers and listeners.

On SQLite, pysqlite would open its transaction only before the first write and treat
the first SAVEPOINT as a transaction of its own (releasing it would commit), so the
connection is put in pysqlite's autocommit mode and the outer transaction is a plain
``BEGIN``; ``app.core.sql.savepoint()`` then finds a transaction open and issues no
``BEGIN IMMEDIATE`` of its own.

What a single connection cannot prove, a test marked ``@pytest.mark.committed`` proves
with real commits and the tables emptied afterwards (tests/conftest.py):

* requests in threads (``at_once``), the live server of the browser tests, other
  processes (workers, a job killed halfway): each has a connection of its own, which
  must see committed rows and wait on the others' locks;
* code that uses a connection of its own on purpose: the view-count flush, lease
  renewals by a job's heartbeat, the tests that kill or count connections and commits;
* locks between transactions (PostgreSQL row locks, SQLite's one writer).

A wrong choice fails loudly, never hangs: while a test runs in its rolled-back
transaction, a second connection to the test database, or a session used from another
thread, raises ``NeedsRealCommits`` (a BaseException, so no ``except Exception`` in the
code under test can swallow it) and the test fails at teardown with its message.
Views are gathered, not flushed, in a rolled-back test (the flush would need a
connection of its own); a test that sets the flush thresholds low meets the guard.
"""

from __future__ import annotations

import inspect
import os
import sqlite3
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, current_app, has_app_context
from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection, RootTransaction
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

import config as config_module
from app.extensions import db
from app.forum import view_counter

MARKER = "committed"
HOW_TO_MARK = (
    f"mark the test @pytest.mark.{MARKER} (or add its module or folder to "
    "COMMITTED_PATHS in tests/isolation.py) so that it commits for real"
)

# Tests that need real commits, by path under tests/: a folder or a module.
COMMITTED_PATHS = (
    "e2e/",  # a live server in a thread, on a database of its own
    "core/test_after_commit.py",  # kills the connection after a real COMMIT
    "core/test_database.py",  # kills every other connection of the database
    "core/test_leases.py",  # a holder in another process, renewals on their own connection
    "core/test_scheduler.py",  # jobs in threads, heartbeats on their own connection
    "core/test_mail_outbox.py",  # delivery runs in threads and in another process
    "core/test_rate_limits.py",  # workers in other processes
    "forum/test_view_count_faults.py",  # the view-count flush on its own connection
    "forum/test_concurrency.py",  # writers in threads
    "badges/test_concurrency.py",  # voters in threads
    "test_migrations.py",  # migrates databases of its own, reads through new connections
)


class NeedsRealCommits(BaseException):
    """A test in a rolled-back transaction used a second connection or another thread.

    A BaseException, so the ``except Exception`` of the code under test (the view-count
    flush, after-commit listeners, a job's heartbeat) cannot hide it.
    """


@dataclass
class Isolation:
    """The one connection of a test that runs in a rolled-back transaction."""

    app: Flask
    connection: Connection
    outer: RootTransaction
    test: str
    thread: int = field(default_factory=threading.get_ident)
    trips: list[str] = field(default_factory=list)
    # SAVEPOINTs that bind sessions to the outer transaction: not the code's statements.
    join_savepoints: set[str] = field(default_factory=set)
    # The savepoints open on the connection, innermost last.
    open_savepoints: list[str] = field(default_factory=list)
    # Join savepoints inside which something was written, or another session committed.
    wrote: set[str] = field(default_factory=set)
    holding_commits: set[str] = field(default_factory=set)
    closing: bool = False
    _last_savepoint: str = ""

    def serves(self, app: Flask) -> bool:
        """Whether ``app`` works on the test database (the test's app, or another on it)."""
        return app is self.app or (
            app.config.get("SQLALCHEMY_DATABASE_URI") == self.app.config["SQLALCHEMY_DATABASE_URI"]
        )

    def refuse(self, what: str) -> NeedsRealCommits:
        message = (
            f"{self.test} runs in a rolled-back transaction on one connection, and {what}; "
            f"{HOW_TO_MARK}."
        )
        self.trips.append(message)
        return NeedsRealCommits(message)

    def note_statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        """Follow the savepoints, and refuse a rollback that would undo another session's
        commit (in a real database that commit is stored for good)."""
        words = statement.split(None, 3)
        head = words[0].upper() if words else ""
        if head == "SAVEPOINT":
            self._last_savepoint = words[-1]
            self.open_savepoints.append(words[-1])
        elif head == "RELEASE":
            name = words[-1]
            self._close_savepoint(name)
            if name in self.join_savepoints:  # a session committed: its enclosers hold it
                self.holding_commits.update(self._open_joins())
        elif head == "ROLLBACK" and len(words) > 1 and words[1].upper() == "TO":
            name = words[-1]
            if name in self.holding_commits and not self.closing:
                raise self.refuse(
                    "a session (the test's own, or a command's) rolled back a transaction "
                    "that enclosed what another session (a request) had committed: a real "
                    "database keeps that commit, this one would lose it"
                )
            self._close_savepoint(name)
        elif head in ("INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"):
            self.wrote.update(self._open_joins()[-1:])

    def _open_joins(self) -> list[str]:
        return [n for n in self.open_savepoints if n in self.join_savepoints]

    def _close_savepoint(self, name: str) -> None:
        if name in self.open_savepoints:
            del self.open_savepoints[self.open_savepoints.index(name) :]

    def before_request(self, session: Session) -> None:
        """End the test's own transaction before a request if it only read.

        Outside the isolation, the request's commit is stored whatever the test's session
        does next; inside it, the request's SAVEPOINT would sit in the test's, and a later
        rollback of the test's session would take the request's work with it. A session
        that only read loses nothing by ending its transaction now (no expiry: its objects
        stay as they are, as with a connection of its own).
        """
        name = session.info.get(_JOIN_KEY)
        if (
            name is None
            or not session.in_transaction()
            or not self.open_savepoints
            or self.open_savepoints[-1] != name
            or name in self.wrote
            or session.new
            or session.dirty
            or session.deleted
        ):
            return
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire

    def is_isolation_statement(self, statement: str) -> bool:
        """A SAVEPOINT, RELEASE or ROLLBACK TO of a session joining the outer transaction."""
        words = statement.split()
        return bool(words) and words[-1] in self.join_savepoints and words[0] in (
            "SAVEPOINT", "RELEASE", "ROLLBACK",
        )  # fmt: skip


_active: Isolation | None = None
_JOIN_KEY = "tests.isolation.join_savepoint"


def active() -> Isolation | None:
    """The isolation of the running test, if it runs in a rolled-back transaction."""
    return _active


def needs_real_commits(item: pytest.Item) -> bool:
    """Whether ``item`` is marked, sits in a committed path, or runs requests at once."""
    if item.get_closest_marker(MARKER) is not None:
        return True
    tests_dir = os.path.dirname(__file__)
    relative = os.path.relpath(str(item.path), tests_dir).replace(os.sep, "/")
    if any(relative == p or relative.startswith(p) for p in COMMITTED_PATHS):
        return True
    function = getattr(item, "function", None)
    if function is None:  # not a Python test function: nothing to look into
        return False
    # Hypothesis wraps the test it runs.
    function = getattr(getattr(function, "hypothesis", None), "inner_test", function)
    # Requests in threads each need a connection of their own.
    return _names_at_once(inspect.unwrap(function).__code__)


def _names_at_once(code: Any) -> bool:
    """Whether the code (or a function defined in it) calls ``at_once``."""
    if "at_once" in code.co_names or "at_once" in code.co_varnames:
        return True
    return any(_names_at_once(c) for c in code.co_consts if hasattr(c, "co_names"))


def mark_committed(items: list[pytest.Item]) -> None:
    """Add the marker to every test that needs real commits (pytest_collection_modifyitems)."""
    for item in items:
        if item.get_closest_marker(MARKER) is None and needs_real_commits(item):
            item.add_marker(MARKER)


def begin(app: Flask, test: str) -> Isolation:
    """Open the test's connection and outer transaction; bind every session to it."""
    global _active
    connection = db.engine.connect()
    raw = connection.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection):
        # pysqlite's autocommit mode: BEGIN, SAVEPOINT and RELEASE mean what they say.
        raw.isolation_level = None
        outer = connection.begin()
        connection.exec_driver_sql("BEGIN")
    else:
        outer = connection.begin()
    _active = Isolation(app, connection, outer, test)
    event.listen(connection, "before_cursor_execute", _active.note_statement)
    return _active


def end(isolation: Isolation) -> list[str]:
    """Roll everything back and close the connection; the guard's messages, if any."""
    global _active
    _active = None
    isolation.closing = True
    _drop_gathered_views(isolation)
    try:
        db.session.remove()
        if isolation.outer.is_active:
            isolation.outer.rollback()
        raw = isolation.connection.connection.dbapi_connection
        if isinstance(raw, sqlite3.Connection):
            raw.isolation_level = ""  # pysqlite's default again, for whoever reuses it
    finally:
        isolation.connection.close()
        db.engine.dispose()
    return isolation.trips


def _drop_gathered_views(isolation: Isolation) -> None:
    # The views belong to rows rolled back: an application still alive must not add them
    # to a later test's topics when it flushes (at exit, or a test's explicit flush).
    for app in list(view_counter._applications):
        if isolation.serves(app):
            app.extensions["tribune.view_buffer"] = view_counter.ViewBuffer()


def quiet_view_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Views are gathered, not written, in every app the test makes: the flush writes on
    a connection of its own."""
    monkeypatch.setattr(config_module.TestConfig, "VIEW_FLUSH_EVERY_VIEWS", 10**9)
    monkeypatch.setattr(config_module.TestConfig, "VIEW_FLUSH_EVERY_SECONDS", 10.0**9)


def refuse_processes_on_the_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """A process started with the test database in its arguments or environment would
    wait on the test's locks and miss its uncommitted rows: refuse it at once."""
    database = make_url(url).database or url
    original = subprocess.Popen

    class GuardedPopen(original):  # type: ignore[misc, valid-type]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            environment = kwargs.get("env") or {}
            seen = " ".join(map(str, args if isinstance(args, list | tuple) else [args]))
            seen += " " + " ".join(map(str, environment.values()))
            isolation = _active
            if isolation is not None and (url in seen or database in seen):
                raise isolation.refuse("a process was started on the test database")
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", GuardedPopen)


# -- the hooks, installed once; they do nothing unless a test is isolated --------------

_session_class = db.session.session_factory.class_
_original_get_bind = _session_class.get_bind


def _get_bind(self: Session, mapper: Any = None, clause: Any = None, bind: Any = None,
              **kwargs: Any) -> Any:  # fmt: skip
    isolation = _active
    if (
        bind is None
        and isolation is not None
        and has_app_context()
        and isolation.serves(current_app)
    ):
        if threading.get_ident() != isolation.thread:
            raise isolation.refuse("a database session was used from another thread")
        return isolation.connection
    return _original_get_bind(self, mapper=mapper, clause=clause, bind=bind, **kwargs)


_session_class.get_bind = _get_bind  # type: ignore[method-assign]
# A session bound to a connection already in a transaction works in a SAVEPOINT of it;
# bound to an engine (every session outside isolated tests), this changes nothing.
db.session.session_factory.configure(join_transaction_mode="create_savepoint")


@event.listens_for(Pool, "connect")
def _refuse_second_connection(dbapi_connection: Any, record: Any) -> None:
    isolation = _active
    if isolation is not None and _same_database(dbapi_connection, isolation):
        raise isolation.refuse(
            "a second connection to the test database was opened (a connection of its "
            "own: the view-count flush, a heartbeat, another app's engine, a thread)"
        )


def _same_database(dbapi_connection: Any, isolation: Isolation) -> bool:
    url = isolation.connection.engine.url
    if isinstance(dbapi_connection, sqlite3.Connection):
        rows = dbapi_connection.execute("PRAGMA database_list").fetchall()
        path = next((row[2] for row in rows if row[1] == "main"), "")
        return bool(path) and os.path.realpath(path) == os.path.realpath(url.database or "")
    info = getattr(dbapi_connection, "info", None)
    return getattr(info, "dbname", None) == url.database


@event.listens_for(_session_class, "after_begin")
def _note_join_savepoint(session: Session, transaction: Any, connection: Connection) -> None:
    # A session's outermost transaction on the test's connection begins with the
    # SAVEPOINT that joins it to the outer transaction, executed just before.
    isolation = _active
    if (
        isolation is not None
        and connection is isolation.connection
        and transaction.parent is None
        and not transaction.nested
    ):
        isolation.join_savepoints.add(isolation._last_savepoint)
        session.info[_JOIN_KEY] = isolation._last_savepoint
