"""Password reset links by email, through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from email.message import Message

import pytest
from sqlalchemy import select

from app.accounts.models import PasswordReset, User
from app.core.clock import now_utc
from app.core.mail import OutboxMessage
from app.core.scheduler import run_job
from app.extensions import db


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def ask_for_link(client, email: str, *, deliver: bool = True):
    """Post the form; then, unless told not to, run the outbox as the scheduler would."""
    token = _csrf(client.get("/account/reset").get_data(as_text=True))
    response = client.post("/account/reset", data={"email": email, "csrf_token": token})
    if deliver:
        assert run_job("deliver-mail").outcome == "success"
    return response


def link_in(message: Message) -> str:
    body = message.get_payload(decode=True).decode()
    match = re.search(r"http://localhost(/account/reset/\S+)", body)
    assert match, body
    return match.group(1)


def set_password(client, path: str, password: str):
    token = _csrf(client.get(path).get_data(as_text=True))
    return client.post(path, data={"password": password, "password_confirm": password,
                                   "csrf_token": token})  # fmt: skip


@pytest.fixture
def imported(make_user) -> User:
    """A member brought in by an import: an email, no password."""
    user = make_user("marie")
    user.password_hash = None
    user.locale = "fr"
    db.session.commit()
    return user


def test_an_imported_member_claims_the_account_through_the_emailed_link(
    app, inbox, imported, client
):
    response = ask_for_link(client, "MARIE@example.com ")
    assert response.status_code == 302
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == imported.email and "community@brand.example" in message["From"]
    assert "mot de passe" in message["Subject"].lower()  # in the member's language
    path = link_in(message)
    # Only the token's hash is stored.
    assert path.rsplit("/", 1)[1] not in {r.token_hash for r in db.session.scalars(
        select(PasswordReset))}  # fmt: skip

    response = set_password(client, path, "a long new passphrase")
    assert response.status_code == 302 and response.location.endswith("/login")
    login = _csrf(client.get("/login").get_data(as_text=True))
    logged_in = client.post("/login", data={"login": "marie", "password": "a long new passphrase",
                                            "csrf_token": login})  # fmt: skip
    assert logged_in.status_code == 302
    # The link worked once.
    assert client.get(path).status_code == 404


def test_the_answer_is_the_same_for_an_unknown_or_undeliverable_address(
    app, inbox, make_user, client
):
    placeholder = make_user("former")
    placeholder.email = "imported+old-forum-9@users.invalid"
    db.session.commit()
    for address in ("nobody@example.com", placeholder.email):
        response = client.get(ask_for_link(client, address).location)
        assert "If an account uses this address" in response.get_data(as_text=True)
    assert inbox.messages == []


def test_an_expired_or_unknown_link_is_refused_with_a_way_forward(app, inbox, imported, client):
    ask_for_link(client, imported.email)
    path = link_in(inbox.messages[0])
    reset = db.session.scalars(select(PasswordReset)).one()
    reset.expires_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    for url in (path, "/account/reset/not-a-token"):
        page = client.get(url)
        assert page.status_code == 404
        assert "Ask for a new link" in page.get_data(as_text=True)


def test_a_weak_password_is_a_form_error_and_the_link_still_works(app, inbox, imported, client):
    ask_for_link(client, imported.email)
    path = link_in(inbox.messages[0])
    response = set_password(client, path, "short")
    assert response.status_code == 422
    assert set_password(client, path, "a long new passphrase").status_code == 302


def test_links_per_member_are_limited_and_a_new_password_ends_other_sessions(
    app, inbox, imported, client
):
    for _ in range(5):
        ask_for_link(client, imported.email)
    assert len(inbox.messages) == app.config["PASSWORD_RESETS_PER_HOUR"]
    version = imported.session_version
    set_password(client, link_in(inbox.messages[0]), "a long new passphrase")
    db.session.expire_all()
    assert db.session.get(User, imported.id).session_version == version + 1
    # Setting the password through one link ends the others.
    assert client.get(link_in(inbox.messages[1])).status_code == 404


def test_a_mail_server_that_is_down_loses_nothing(app, smtp_server, imported, client):
    response = ask_for_link(client, imported.email)  # the server is not started: down
    assert response.status_code == 302
    (queued,) = db.session.scalars(select(OutboxMessage)).all()
    assert (queued.status, queued.attempts) == ("queued", 1) and queued.last_error

    smtp_server.start()
    assert run_job("deliver-mail", as_of=queued.next_attempt_at).outcome == "success"
    (message,) = smtp_server.inbox.messages
    assert message["To"] == imported.email and link_in(message)


def test_the_request_never_talks_to_the_mail_server(app, inbox, imported, client):
    """Whether the address has an account or not, the answer is the same and no SMTP
    conversation happens during the request: the link waits in the outbox."""
    inbox.delay = 5.0  # a slow server would hold the request if it were waited on
    answers = []
    for address in (imported.email, "nobody@example.com"):
        started = time.monotonic()
        response = ask_for_link(client, address, deliver=False)
        answers.append((response.status_code, response.location))
        assert time.monotonic() - started < 2
    assert answers[0] == answers[1]
    assert inbox.sessions == 0 and inbox.messages == []
    assert db.session.scalars(select(OutboxMessage.recipient)).all() == [imported.email]
