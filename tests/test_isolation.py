"""The suite's isolation (tests/isolation.py): a rolled-back transaction per test, and the
guard that fails a test needing real commits instead of letting it hang or lie."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core import events
from app.core.event_payloads import UserRegistered
from app.extensions import db
from app.forum.categories import create_category
from app.forum.models import Category, Post, Topic
from tests import isolation
from tests.isolation import NeedsRealCommits
from tests.support import at_once, form_submission


def _clear_trips() -> None:
    """The guard was tripped on purpose: the test is not to fail at teardown for it."""
    active = isolation.active()
    assert active is not None
    active.trips.clear()


@pytest.mark.committed
def test_everything_a_test_commits_is_rolled_back_at_its_end(app, make_user):
    assert isolation.active() is None, "a committed test runs without the isolation"
    isolated = isolation.begin(app, "a test")
    seen: list[Any] = []
    try:
        events.user_registered.connect(seen.append, weak=False)
        # commit() releases a SAVEPOINT: the listeners run, as after a real commit.
        make_user("rolled_back")
        events.user_registered.disconnect(seen.append)
        assert [(type(e), e.username) for e in seen] == [(UserRegistered, "rolled_back")]
        assert db.session.scalar(select(func.count(User.id))) == 1
    finally:
        assert isolation.end(isolated) == []
    db.session.remove()
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_requests_see_what_the_test_committed_and_the_test_sees_theirs(
    app, login, member, make_topic
):
    topic = make_topic(member)
    browser = login(member)
    page = browser.get(f"/t/{topic.id}").text
    assert topic.title in page
    url = f"/t/{topic.id}/reply"
    _, data = form_submission(page, url, body="Run the descaling program twice.")
    assert browser.post(url, data=data).status_code == 302
    bodies = db.session.scalars(select(Post.body_source).where(Post.topic_id == topic.id))
    assert "Run the descaling program twice." in bodies.all()


def test_a_request_keeps_its_commit_when_the_test_then_rolls_back(app, login, member, make_topic):
    topic = make_topic(member)
    # The test's session reads (a transaction of its own is open) before the request.
    assert db.session.scalar(select(func.count(Post.id))) == 1
    browser = login(member)
    url = f"/t/{topic.id}/reply"
    _, data = form_submission(browser.get(f"/t/{topic.id}").text, url, body="Kept.")
    assert browser.post(url, data=data).status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count(Post.id))) == 2


def test_a_rollback_that_would_undo_another_sessions_commit_is_refused(app):
    db.session.add(Category(name="Written", slug="written", description=""))
    db.session.flush()  # the test's transaction has written: it cannot end early
    with app.app_context():  # a command's session, committing for real
        create_category("Committed", "committed", "")
        events.commit()
    with pytest.raises(NeedsRealCommits, match=r"mark the test @pytest\.mark\.committed"):
        db.session.rollback()
    _clear_trips()


def test_a_second_connection_is_refused_with_the_marker_named(app):
    with pytest.raises(NeedsRealCommits, match=r"second connection.*@pytest\.mark\.committed"):
        db.engine.connect()
    _clear_trips()


def test_a_session_in_another_thread_is_refused(app):
    raised: list[BaseException] = []

    def read() -> None:
        try:
            with app.app_context():
                db.session.scalar(select(func.count(User.id)))
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=30)
    assert len(raised) == 1 and isinstance(raised[0], NeedsRealCommits)
    assert "another thread" in str(raised[0])
    _clear_trips()


def test_statements_counted_leave_out_the_savepoints_of_the_isolation(app, client, count_queries):
    with count_queries() as counter:
        assert client.get("/").status_code == 200
    assert counter.count > 0
    assert not [s for s in counter.statements if "SAVEPOINT" in s], counter.statements


def test_requests_at_once_commit_for_real(app, member, make_topic):
    assert isolation.active() is None
    topic_id = make_topic(member, title="Seen from threads").id

    def read(i: int) -> str:
        with app.app_context():  # a connection of its own, as a request in a worker
            return db.session.get(Topic, topic_id).title

    assert at_once(2, read) == ["Seen from threads"] * 2


def _item(function: Any, path: str = "tests/test_x.py", marked: bool = False) -> Any:
    return SimpleNamespace(
        function=function,
        path=Path(__file__).parent.parent / path,
        get_closest_marker=lambda name: object() if marked else None,
    )


def test_tests_that_need_real_commits_are_found():
    def calls_at_once():
        at_once(2, print)

    def calls_it_in_a_helper():
        def helper():
            at_once(2, print)

        helper()

    def imports_it():
        from tests.support import at_once

        at_once(2, print)

    def does_not():
        print("alone")

    for function in (calls_at_once, calls_it_in_a_helper, imports_it):
        assert isolation.needs_real_commits(_item(function)), function.__name__
    assert not isolation.needs_real_commits(_item(does_not))
    assert isolation.needs_real_commits(_item(does_not, marked=True))
    assert isolation.needs_real_commits(_item(does_not, "tests/e2e/test_questions.py"))
    assert isolation.needs_real_commits(_item(does_not, "tests/core/test_leases.py"))


def test_a_process_on_the_test_database_is_refused(app, database_url):
    with pytest.raises(NeedsRealCommits, match="process was started on the test database"):
        subprocess.run([sys.executable, "-c", "pass", database_url], check=True)
    _clear_trips()
    # A process that has nothing to do with the database starts as usual.
    assert subprocess.run([sys.executable, "-c", "pass"], check=True).returncode == 0
