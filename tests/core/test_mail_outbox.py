"""The outbox (issue 12, item 15): mail is a row written with what caused it, and the
deliver-mail job sends it over SMTP to a real server on loopback (aiosmtpd): nothing
lost when the server is down, nothing sent twice, temporary failures retried later,
permanent ones shown to administrators."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app import PROJECT_ROOT
from app.core import mail
from app.core.clock import now_utc
from app.core.leases import JobLease
from app.core.mail import OutboxMessage
from app.core.outbox import deliver_mail
from app.core.scheduler import run_job
from app.extensions import db


def queue(count: int, **values) -> list[OutboxMessage]:
    messages = [
        mail.enqueue(f"member{n}@example.com", f"Message {n}", f"Hello {n}", **values)
        for n in range(1, count + 1)
    ]
    db.session.commit()
    return messages


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def deliver(**kwargs) -> dict:
    run = run_job("deliver-mail", **kwargs)
    assert run.outcome == "success", run.error
    return run.figures


def later(seconds: float = 0):
    """A moment after every message's next attempt is due."""
    due = max(m.next_attempt_at for m in rows())
    return max(due, now_utc()) + timedelta(seconds=seconds + 1)


def test_a_message_exists_only_if_its_transaction_commits(app):
    mail.enqueue("a@example.com", "Rolled back", "never")
    db.session.rollback()
    (kept,) = queue(1, html="<p>Hello</p>", language="fr")
    assert [m.subject for m in rows()] == ["Message 1"]
    assert kept.status == "queued" and kept.message_id.endswith("@localhost>")
    email = mail.as_email(kept)
    assert email["Message-ID"] == kept.message_id and email["Content-Language"] == "fr"
    assert email.get_body(("html",)).get_content().strip() == "<p>Hello</p>"


def test_the_job_is_registered_every_minute(app):
    from app.core.scheduler import get_job

    job = get_job("deliver-mail")
    assert job.interval_seconds == 60


def test_a_server_down_then_up_loses_nothing(app, smtp_server):
    queue(3)
    figures = deliver()  # nobody listens on the port
    assert figures["retried"] == 1 and figures["sent"] == 0, "the run stops at the first refusal"
    first, *others = rows()
    assert first.status == "queued" and first.attempts == 1
    assert "ConnectionRefused" in first.last_error
    assert first.next_attempt_at > now_utc() + timedelta(seconds=50)
    assert all(m.attempts == 0 for m in others), "the others were not even tried"

    smtp_server.start()
    assert deliver(as_of=later())["sent"] == 3
    assert sorted(m["Subject"] for m in smtp_server.inbox.messages) == [
        "Message 1", "Message 2", "Message 3"
    ]  # fmt: skip
    assert {m.status for m in rows()} == {"sent"}
    # Nothing sent twice: another run finds nothing to do.
    assert deliver(as_of=later(3600))["sent"] == 0
    assert len(smtp_server.inbox.messages) == 3


def test_one_connection_for_a_batch_and_each_message_keeps_its_id(app, inbox):
    messages = queue(4)
    assert deliver()["sent"] == 4
    assert inbox.sessions == 1
    assert inbox.message_ids() == [m.message_id for m in messages]
    assert all(m.sent_at is not None and m.last_error is None for m in rows())


def test_a_4xx_is_retried_with_exponential_backoff_then_given_up(app, inbox):
    app.config["MAIL_MAX_ATTEMPTS"] = 4
    inbox.data_reply = "451 4.3.0 try again later"
    (message,) = queue(1)
    delays = []
    for _ in range(3):
        before = rows()[0].next_attempt_at
        at = max(before, now_utc())
        deliver(as_of=at)
        (message,) = rows()
        assert message.status == "queued" and message.last_error.startswith("451")
        delays.append((message.next_attempt_at - at).total_seconds())
        # Not before it is due.
        assert deliver(as_of=message.next_attempt_at - timedelta(seconds=1))["retried"] == 0
    assert delays == [60, 120, 240]
    deliver(as_of=rows()[0].next_attempt_at)
    (message,) = rows()
    assert (message.status, message.attempts) == ("failed", 4)
    assert message.last_error.startswith("gave up after 4 attempts: 451")
    assert inbox.messages == []


def test_a_5xx_fails_that_message_and_the_others_go_on(app, inbox):
    inbox.refuse["member2@example.com"] = "550 5.1.1 no such user"
    queue(3)
    figures = deliver()
    assert (figures["sent"], figures["failed"]) == (2, 1)
    assert [m.status for m in rows()] == ["sent", "failed", "sent"]
    assert rows()[1].last_error.startswith("550 5.1.1")
    assert sorted(m["To"] for m in inbox.messages) == [
        "member1@example.com", "member3@example.com"
    ]  # fmt: skip
    assert deliver(as_of=later(86400))["sent"] == 0, "a failed message stays failed"


def test_an_address_no_header_can_carry_fails_without_stopping_the_run(app, inbox):
    mail.enqueue("bad\r\nBcc: everyone@example.com", "Injected", "x")
    queue(1)
    figures = deliver()
    assert (figures["sent"], figures["failed"]) == (1, 1)
    assert [m["To"] for m in inbox.messages] == ["member1@example.com"]


def test_a_slow_server_delays_the_job_only(app, inbox):
    inbox.delay = 1.0
    queue(2)
    assert deliver()["sent"] == 2
    assert len(inbox.messages) == 2


def test_administrators_see_failures_and_send_them_again(app, inbox, make_user, login):
    inbox.refuse["member1@example.com"] = "550 mailbox unavailable"
    queue(1)
    deliver()
    admin = login(make_user("root", role="admin"))
    page = admin.get("/manage/queue")
    assert 'href="/admin/mail/"' in page.text
    page = admin.get("/admin/mail/")
    assert page.status_code == 200
    assert "member1@example.com" in page.text and "550 mailbox unavailable" in page.text
    assert login(make_user("mod", role="moderator")).get("/admin/mail/").status_code == 403

    del inbox.refuse["member1@example.com"]
    (message,) = rows()
    assert f'action="/admin/mail/{message.id}/retry"' in page.text
    response = admin.post(f"/admin/mail/{message.id}/retry")
    assert response.status_code == 302
    assert rows()[0].status == "queued"
    assert admin.client.post(f"/admin/mail/{message.id}/retry").status_code == 400, "CSRF"
    deliver()
    assert rows()[0].status == "sent" and len(inbox.messages) == 1
    again = admin.post(f"/admin/mail/{message.id}/retry", follow_redirects=True)
    assert "already sent" in again.text


def test_without_a_mail_server_messages_become_eml_files(app):
    assert not app.config["MAIL_SERVER"]
    link = "http://127.0.0.1:5000/account/reset/" + "x" * 43
    message = mail.enqueue(
        "marie@example.com",
        "Réinitialisation",
        f"Bonjour Marie, voici le lien à ouvrir :\n\n{link}\n",
    )
    db.session.commit()
    assert deliver()["sent"] == 1
    (path,) = (Path(app.instance_path) / "mail").glob("*.eml")
    raw = path.read_bytes()
    assert link.encode() in raw, "the link is whole for whoever opens the file as text"
    assert "le lien à ouvrir".encode() in raw, "accents readable too"
    parsed = message_from_bytes(raw)
    assert parsed["To"] == "marie@example.com" and parsed["Message-ID"] == message.message_id
    assert rows()[0].status == "sent"


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="two deliveries at once, bypassing the lease, need row locks (PostgreSQL)",
)
def test_two_deliveries_at_once_send_each_message_once(app, inbox):
    queue(30)
    inbox.delay = 0.02
    errors: list[BaseException] = []

    def one_run() -> None:
        try:
            with app.app_context():
                deliver_mail()
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(inbox.message_ids()) == sorted(m.message_id for m in rows())
    assert {m.status for m in rows()} == {"sent"}


def test_a_run_killed_mid_batch_sends_again_at_most_the_one_in_flight(
    app, smtp_server, database_url, tmp_path
):
    messages = queue(5)
    smtp_server.start()
    inbox = smtp_server.inbox
    inbox.stall_after = 3  # the third message arrives, its "250" does not
    env = dict(os.environ, TRIBUNE_CONFIG="testing", TRIBUNE_DATABASE_URL=database_url,
               TRIBUNE_INSTANCE_PATH=str(tmp_path), TRIBUNE_MAIL_SERVER="127.0.0.1",
               TRIBUNE_MAIL_PORT=str(smtp_server.port))  # fmt: skip
    job = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "jobs", "run", "deliver-mail"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert inbox.stalled.wait(timeout=60), "the job never reached the third message"
    finally:
        job.kill()  # SIGKILL: no cleanup of any kind
        job.wait(timeout=30)
        inbox.stall_after = None
    assert [m.status for m in rows()] == ["sent", "sent", "sending", "queued", "queued"]

    # The dead run's lease lapses; its message in flight is presumed lost after a while.
    db.session.execute(update(JobLease).values(expires_at=now_utc() - timedelta(seconds=1)))
    db.session.commit()
    assert deliver(as_of=now_utc() + timedelta(seconds=10))["sent"] == 2, "not yet the third"
    timeout = app.config["MAIL_SENDING_TIMEOUT_SECONDS"]
    assert deliver(as_of=now_utc() + timedelta(seconds=timeout + 1))["sent"] == 1
    assert {m.status for m in rows()} == {"sent"}
    received = inbox.message_ids()
    assert sorted(received) == sorted([m.message_id for m in messages] + [messages[2].message_id])


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (openssl), and its key."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
def test_mail_goes_over_tls_when_configured(app, certificate, monkeypatch, mode):
    from aiosmtpd.controller import Controller

    from tests.smtp import Inbox, free_port

    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    # The client verifies the server as usual, trusting our test authority.
    monkeypatch.setattr("app.core.outbox.tls_context",
                        lambda: ssl.create_default_context(cafile=cert))  # fmt: skip
    inbox, port = Inbox(), free_port()
    if mode == "implicit":
        controller = Controller(inbox, hostname="127.0.0.1", port=port,
                                ssl_context=server_context)  # fmt: skip
    else:
        controller = Controller(inbox, hostname="127.0.0.1", port=port,
                                tls_context=server_context, require_starttls=True)  # fmt: skip
    controller.start()
    try:
        app.config.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_USE_TLS=mode == "starttls",
            MAIL_USE_SSL=mode == "implicit",
        )
        queue(1)
        assert deliver()["sent"] == 1
        assert [m["To"] for m in inbox.messages] == ["member1@example.com"]
        # Without TLS, a server that requires it refuses: retried, not lost.
        if mode == "starttls":
            app.config["MAIL_USE_TLS"] = False
            queue(1)
            deliver()
            assert rows()[-1].status == "queued" and rows()[-1].last_error
    finally:
        controller.stop()
