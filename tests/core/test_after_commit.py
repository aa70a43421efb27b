"""Once a request's change is committed, nothing after it turns the answer into a 500.

The connection dies between the commit and the end of the request (a database restart):
the rollback that closes the request's session then fails in the driver. The member
must get the page the change leads to, and the change must be stored once, or they
would send it again and post it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from app.core import events
from app.core.event_payloads import PostCreated
from app.extensions import db
from app.forum.models import Post
from app.moderation.models import Flag
from tests.support import form_submission


class DyingConnection:
    """Once armed, the first rollback after a commit finds its connection gone."""

    def __init__(self) -> None:
        self.armed = False
        self.committed = False
        self.killed = 0

    def on_commit(self, connection: Any) -> None:
        self.committed = self.armed

    def on_rollback(self, connection: Any) -> None:
        if self.committed and not self.killed:
            self.killed += 1
            # The driver's own connection closes under SQLAlchemy's feet: the rollback
            # that follows fails in the driver, as it does once the server went away.
            connection.connection.dbapi_connection.close()


@pytest.fixture
def connection_dies_after_commit(app: Any) -> Iterator[DyingConnection]:
    dying = DyingConnection()
    event.listen(db.engine, "commit", dying.on_commit)
    event.listen(db.engine, "rollback", dying.on_rollback)
    yield dying
    event.remove(db.engine, "commit", dying.on_commit)
    event.remove(db.engine, "rollback", dying.on_rollback)


def test_a_flag_stored_before_the_connection_died_answers_with_its_redirect(
    login, make_user, member, other_member, make_topic, make_answer,
    connection_dies_after_commit, caplog,
):  # fmt: skip
    flagged_answer = make_answer(other_member, make_topic(member), body="Cheap watches here")
    flagger = make_user()
    make_topic(flagger, title="A question of my own, to be past the floor")
    browser = login(flagger)
    url = f"/p/{flagged_answer.id}/flag"
    _, data = form_submission(browser.get(url).text, url, reason="spam")

    connection_dies_after_commit.armed = True
    with caplog.at_level(logging.WARNING, logger="app.core.teardown"):
        response = browser.post(url, data=data)

    assert connection_dies_after_commit.killed == 1, "the request never rolled back"
    assert response.status_code == 302
    assert response.headers["Location"] == f"/p/{flagged_answer.id}"
    assert db.session.scalar(select(func.count(Flag.id))) == 1
    assert "after the request" in caplog.text
    # The next request gets a working connection.
    assert browser.get(f"/t/{flagged_answer.topic_id}").status_code == 200


def test_a_reply_whose_listener_fails_after_the_commit_is_stored_once_and_redirects(
    login, member, other_member, make_topic, connection_dies_after_commit, caplog
):
    topic = make_topic(member)
    browser = login(other_member)
    url = f"/t/{topic.id}/reply"
    _, data = form_submission(browser.get(f"/t/{topic.id}").text, url, body="Try the descaler.")

    def failing_listener(event: PostCreated) -> None:
        db.session.get(Post, event.post_id)  # reads, in a transaction of its own
        raise RuntimeError("a listener that fails once the reply is stored")

    events.post_created.connect(failing_listener)
    connection_dies_after_commit.armed = True
    try:
        with caplog.at_level(logging.WARNING):
            response = browser.post(url, data=data)
    finally:
        events.post_created.disconnect(failing_listener)

    assert connection_dies_after_commit.killed == 1
    reply = db.session.scalars(select(Post).where(Post.topic_id == topic.id, Post.position > 0))
    stored = reply.all()
    assert len(stored) == 1 and stored[0].body_source == "Try the descaler."
    assert response.status_code == 302
    assert response.headers["Location"] == f"/p/{stored[0].id}"
    assert "a listener that fails" in caplog.text
