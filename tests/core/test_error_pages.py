"""Error pages that answer whatever state the database is in.

A page that failed mid-write still gets its error page (the session is rolled back
first); with the database away, a static page answers 503 and says to come back,
instead of the WSGI server's bare 500.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.forum.models import Post
from tests.conftest import IsolatedClient
from tests.support import failing_statements, form_submission

EN = "The site is unavailable for a moment. Try again in a few minutes."
FR = "Le site est momentanément indisponible. Réessayez dans quelques minutes."


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _unreachable(kind: str, tmp_path: Path) -> str:
    if kind == "postgresql":  # nothing listens there: the connection is refused
        return f"postgresql+psycopg://tribune@127.0.0.1:{_closed_port()}/tribune"
    return f"sqlite:///{tmp_path / 'no-such-folder' / 'tribune.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_down(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """Tribune started against a database it cannot reach, as gunicorn runs it."""
    app = create_app(
        "testing",
        {"DATABASE_URL": _unreachable(request.param, tmp_path), "PROPAGATE_EXCEPTIONS": False},
    )
    app.instance_path = str(tmp_path)
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        db.engine.dispose()


def _assert_unavailable(response, message: str, title: str, lang: str) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"]  # the usual headers still come
    assert message in page and f"<title>{title}" in page and f'lang="{lang}"' in page
    assert "Traceback" not in page


def test_pages_answer_a_static_503_while_the_database_is_down(database_down):
    client = database_down.test_client()
    for path in ("/", "/t/1", "/t/1/how-do-i-descale", "/c/help"):
        english = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})
        _assert_unavailable(english, EN, "Unavailable", "en")
        french = client.get(path, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        _assert_unavailable(french, FR, "Indisponible", "fr")


def test_a_members_browser_gets_the_static_page_in_its_language(database_down):
    client = database_down.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:1:a-login-key"  # the member cannot be loaded: no database
        session["locale"] = "fr"
    for path in ("/", "/t/1", "/no-such-page"):
        response = client.get(path, headers={"Accept-Language": "en"})
        _assert_unavailable(response, FR, "Indisponible", "fr")


def test_the_error_page_renders_after_a_write_the_database_refused(
    app, login, member, other_member, make_topic
):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page answers
    topic = make_topic(member)
    browser = login(other_member)
    url = f"/t/{topic.id}/reply"
    _, data = form_submission(browser.get(f"/t/{topic.id}").text, url, body="My answer")
    with failing_statements(db.engine, "INSERT INTO posts", kind="data") as failed:
        response = browser.post(url, data=data)
    assert failed
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page and other_member.username in page  # the full page
    assert db.session.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id)) == 1


def test_a_write_on_a_full_disk_answers_503_and_stores_nothing(
    app, login, member, other_member, make_topic
):
    topic = make_topic(member)
    browser = login(other_member)
    url = f"/t/{topic.id}/reply"
    _, data = form_submission(browser.get(f"/t/{topic.id}").text, url, body="My answer")
    with failing_statements(db.engine, "INSERT INTO posts"):
        response = browser.post(url, data=data, headers={"Accept-Language": "en"})
    _assert_unavailable(response, EN, "Unavailable", "en")
    assert db.session.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id)) == 1
    # Space again: the same form goes through (its submission token was rolled back too).
    assert browser.post(url, data=data).status_code == 302
