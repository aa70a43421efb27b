"""Signing up through an emailed link: the form never tells whether an address has an
account (issue 12, item 10), and a new member still ends up logged in."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import Message

from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import User
from app.accounts.registrations import PendingRegistration
from app.core.clock import now_utc
from app.core.mail import OutboxMessage
from app.core.scheduler import run_job
from app.extensions import db
from tests.accounts.test_views import csrf_from

PHRASE = "my-long-secret-phrase"


def sign_up(client, username: str, email: str, password: str = PHRASE):
    page = client.get("/register")
    return client.post("/register", data={
        "csrf_token": csrf_from(page), "username": username, "email": email,
        "password": password, "password_confirm": password,
    })  # fmt: skip


def deliver() -> None:
    assert run_job("deliver-mail").outcome == "success"


def body(message: Message) -> str:
    return message.get_payload(decode=True).decode()


def link_in(message: Message, path: str) -> str:
    match = re.search(rf"http://localhost({path}/\S+)", body(message))
    assert match, body(message)
    return match.group(1)


def finish(client, path: str):
    page = client.get(path)
    assert page.status_code == 200, page.text
    return client.post(path, data={"csrf_token": csrf_from(page)})


def members() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_a_new_member_finishes_signing_up_through_the_emailed_link(client, inbox):
    response = sign_up(client, "newbie", "Newbie@Example.com")
    assert response.status_code == 302 and response.location == "/register/sent"
    assert "Check your inbox" in client.get(response.location).text
    assert members() == 0, "no account before the link is opened"
    assert inbox.messages == [], "the request sends nothing itself"

    deliver()
    (message,) = inbox.messages
    assert message["To"] == "newbie@example.com"
    path = link_in(message, "/register/confirm")
    page = client.get(path)
    assert "newbie" in page.text and members() == 0, "opening the link changes nothing"

    response = finish(client, path)
    assert response.status_code == 302
    home = client.get(response.location)
    assert "Welcome to the community, newbie!" in home.text
    user = services.get_by_username("newbie")
    assert user.email == "newbie@example.com" and user.registration_ip == "127.0.0.1"
    assert services.authenticate("newbie", PHRASE).id == user.id
    assert client.get("/account/profile").status_code == 200, "logged in"
    # The link worked once.
    assert client.get(path).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(PendingRegistration)) == 0


def test_a_used_address_gets_the_same_answer_and_its_owner_is_told(app, client, make_user, inbox):
    owner = make_user("alice", email="alice@example.com")
    fresh = sign_up(app.test_client(), "someone", "someone@example.com")
    used = sign_up(client, "intruder", "ALICE@example.com")

    assert (used.status_code, used.location) == (fresh.status_code, fresh.location)
    assert client.get(used.location).text == app.test_client().get(fresh.location).text
    assert services.get_by_username("intruder") is None
    assert client.get("/account/profile").status_code == 302, "nobody is logged in"
    assert db.session.scalars(select(PendingRegistration.email)).all() == ["someone@example.com"]
    assert inbox.messages == [], "no mail server is waited on during either request"

    deliver()
    told = next(m for m in inbox.messages if m["To"] == owner.email)
    assert "tried to sign up" in told["Subject"]
    assert "intruder" not in body(told)
    # The owner can log in, or set a new password from the mail.
    reset_path = link_in(told, "/account/reset")
    page = client.get(reset_path)
    assert page.status_code == 200
    response = client.post(reset_path, data={"csrf_token": csrf_from(page),
                                             "password": "a fresh passphrase",
                                             "password_confirm": "a fresh passphrase"})  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert services.authenticate("alice", "a fresh passphrase").id == owner.id


def test_the_answer_differs_only_for_what_the_member_can_fix(client, make_user, inbox):
    make_user("alice", email="alice@example.com")
    # A taken username is said (usernames are public); a weak password too.
    assert "This username is taken" in sign_up(client, "Alice", "new@example.com").text
    assert "too common" in sign_up(client, "bob_b", "alice@example.com", "password123").text
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_double_click_on_the_link_creates_one_account(app, client, inbox):
    sign_up(client, "newbie", "newbie@example.com")
    deliver()
    path = link_in(inbox.messages[0], "/register/confirm")
    token = csrf_from(client.get(path))
    first = client.post(path, data={"csrf_token": token})
    second = app.test_client().post(path, data={"csrf_token": token})
    assert first.status_code == 302
    assert second.status_code in (400, 404)  # another browser: no session, or a used link
    assert members() == 1


def test_signing_up_again_replaces_the_first_link_and_keeps_the_username(client, inbox):
    sign_up(client, "newbie", "newbie@example.com")
    sign_up(client, "newbie2", "newbie@example.com")
    assert "This username is taken" in sign_up(client, "NEWBIE2", "other@example.com").text
    deliver()
    first, second = inbox.messages
    assert client.get(link_in(first, "/register/confirm")).status_code == 404
    assert finish(client, link_in(second, "/register/confirm")).status_code == 302
    assert services.get_by_username("newbie2") is not None
    assert services.get_by_username("newbie") is None


def test_an_expired_link_is_refused_with_a_way_forward(client, inbox):
    sign_up(client, "newbie", "newbie@example.com")
    deliver()
    path = link_in(inbox.messages[0], "/register/confirm")
    pending = db.session.scalars(select(PendingRegistration)).one()
    pending.expires_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(path)
    assert page.status_code == 404 and "Sign up again" in page.text
    assert members() == 0


def test_the_owner_of_a_used_address_is_not_flooded(app, client, make_user, inbox):
    make_user("alice", email="alice@example.com")
    answers = {sign_up(client, f"try{n}", "alice@example.com").location for n in range(5)}
    assert answers == {"/register/sent"}
    deliver()
    assert len(inbox.messages) == app.config["PASSWORD_RESETS_PER_HOUR"]


def test_the_link_speaks_the_language_of_the_page(client, inbox):
    page = client.get("/register", headers={"Accept-Language": "fr"})
    client.post("/register", headers={"Accept-Language": "fr"}, data={
        "csrf_token": csrf_from(page), "username": "marie", "email": "marie@example.com",
        "password": PHRASE, "password_confirm": PHRASE,
    })  # fmt: skip
    deliver()
    (message,) = inbox.messages
    assert message["Content-Language"] == "fr"
