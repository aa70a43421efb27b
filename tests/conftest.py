"""Shared fixtures: one migrated database per run, left empty by every test.

The suite runs on SQLite always, and on PostgreSQL when TEST_DATABASE_URL is set.
Most tests run in a transaction rolled back at their end (tests/isolation.py): every
session of the test, its requests' and commands' included, works in a SAVEPOINT of one
connection, and nothing is left to delete.

Some classes of tests stay on real commits, with every table emptied after them
(``@pytest.mark.committed``, set by hand, by folder or module in
``isolation.COMMITTED_PATHS``, and on every test that calls ``at_once``), because one
connection cannot show what they prove: requests in threads and other processes (each
has a connection of its own, sees only committed rows and waits on the others' locks),
the browser's live server, code with a connection of its own on purpose (the view-count
flush, a job's heartbeat), locks between transactions on PostgreSQL, and crash tests
that kill a connection after a real COMMIT. A test that needs real commits and lacks the
marker fails with a message saying so, rather than hanging.
"""

from __future__ import annotations

import contextvars
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from app import create_app
from app.accounts import services as account_services
from app.accounts import sessions
from app.accounts.models import User
from app.core.events import commit
from app.extensions import db
from app.forum import services as forum_services
from app.forum.categories import create_category
from app.forum.models import Category, Post, Topic
from tests import isolation

# A real SMTP server on loopback for the mail tests (the smtp_server and inbox fixtures).
pytest_plugins = ["tests.smtp"]

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'tribune-test.db'}"


def _drop_everything(app: Flask) -> None:
    """Start a PostgreSQL test database from nothing, whatever an earlier run left."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = _database_url(tmp_path_factory)
    app = create_app("testing", {"DATABASE_URL": url})
    _drop_everything(app)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield url


def _table_names() -> list[str]:
    return [t.name for t in reversed(db.metadata.sorted_tables)]


def empty_database() -> None:
    """Delete every row: after each test that commits for real, or within a test.

    Within a test in a rolled-back transaction the rows are deleted in that transaction,
    on its one connection.
    """
    db.session.remove()
    isolated = isolation.active()
    if isolated is not None:
        _delete_every_row(isolated.connection)
        return
    with db.engine.begin() as connection:
        _delete_every_row(connection)


def _delete_every_row(connection: Any) -> None:
    if connection.dialect.name == "postgresql":
        tables = ", ".join(f'"{name}"' for name in _table_names())
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    else:
        for name in _table_names():
            connection.execute(text(f'DELETE FROM "{name}"'))
        connection.execute(text("INSERT INTO search_posts(search_posts) VALUES ('rebuild')"))


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own application context.

    Flask reuses an application context that is already pushed (the test's), which
    would share ``g`` (the logged-in member) and the database session between
    requests. Running each request in an empty contextvars context makes it behave
    as it does in production: a fresh context, session and user per request.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        isolated = isolation.active()
        if isolated is not None and has_app_context():
            isolated.before_request(db.session())
        return contextvars.Context().run(super().open, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{isolation.MARKER}: the test commits for real (threads, processes, connections "
        "of its own) and the tables are emptied after it, instead of a rollback",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    isolation.mark_committed(items)


@pytest.fixture
def app(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Flask]:  # fmt: skip
    committed = request.node.get_closest_marker(isolation.MARKER) is not None
    if not committed:
        isolation.quiet_view_counts(monkeypatch)
        isolation.refuse_processes_on_the_database(monkeypatch, database_url)
    app = create_app(
        "testing",
        {"DATABASE_URL": database_url},
    )
    app.instance_path = str(tmp_path)
    app.test_client_class = IsolatedClient
    with app.app_context():
        if committed:
            yield app
            empty_database()
            db.engine.dispose()
            return
        isolated = isolation.begin(app, request.node.nodeid)
        yield app
        trips = isolation.end(isolated)
    if trips:
        pytest.fail("\n".join(dict.fromkeys(trips)), pytrace=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Any:
    def make(username: str | None = None, role: str = "member", **kwargs: Any) -> User:
        n = next(_counter)
        username = username or f"member{n}"
        user = account_services.create_user(
            username, kwargs.pop("email", f"{username}@example.com"), PASSWORD, role=role, **kwargs
        )
        commit()
        return user

    return make


@pytest.fixture
def member(make_user: Any) -> User:
    return make_user("alice")


@pytest.fixture
def other_member(make_user: Any) -> User:
    return make_user("bruno")


@pytest.fixture
def moderator(make_user: Any) -> User:
    return make_user("mod_claire", role="moderator")


@pytest.fixture
def staff(make_user: Any) -> User:
    return make_user("staff_dan", role="staff")


@pytest.fixture
def admin(make_user: Any) -> User:
    return make_user("admin_eve", role="admin")


@pytest.fixture
def category(app: Flask) -> Category:
    created = create_category("Help", "help", "Questions about the product")
    commit()
    return created


@pytest.fixture
def make_topic(category: Category) -> Any:
    def make(author: User, title: str = "How do I descale?", body: str = "It beeps.", **kw: Any):
        topic = forum_services.create_topic(
            author, kw.pop("in_category", category), title=title, body=body, **kw
        )
        commit()
        return topic

    return make


@pytest.fixture
def make_answer() -> Any:
    def make(author: User, topic: Topic, body: str = "Use the descaling program.") -> Post:
        post = forum_services.reply(author, topic, body=body)
        commit()
        return post

    return make


class LoggedIn:
    """A test client logged in as a member, posting forms with a valid CSRF token."""

    def __init__(self, app: Flask, user: User) -> None:
        self.app = app
        self.user = user
        self.client = app.test_client()
        sessions.start(user)  # a login of its own, as the login page makes
        commit()
        with self.client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["csrf_token"] = "test-csrf-token-" + str(user.id)

    def csrf(self) -> str:
        """A CSRF token for this browser's session, signed as Flask-WTF would."""
        return contextvars.Context().run(self._sign_csrf)

    def _sign_csrf(self) -> str:
        from flask import session
        from flask_wtf.csrf import generate_csrf

        with self.app.test_request_context():
            session["csrf_token"] = "test-csrf-token-" + str(self.user.id)
            return generate_csrf()

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        payload = {"csrf_token": self.csrf(), **(data or {})}
        return self.client.post(url, data=payload, **kwargs)


@pytest.fixture
def login(app: Flask) -> Any:
    def log_in(user: User) -> LoggedIn:
        return LoggedIn(app, user)

    return log_in


class QueryCounter:
    def __init__(self) -> None:
        self._seen: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._seen.append(statement)

    @property
    def statements(self) -> list[str]:
        """The code's statements: not the SAVEPOINTs that join a rolled-back test's
        sessions to its transaction, which a real commit does without."""
        isolated = isolation.active()
        if isolated is None:
            return list(self._seen)
        return [s for s in self._seen if not isolated.is_isolation_statement(s)]

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Any:
    """Count SQL statements run inside a ``with count_queries() as counter:`` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting
