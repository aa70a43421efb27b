"""Bulk mail in the outbox (issue 13): priority, pacing across runs, extra headers, and
files stored once per batch and language."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy import select

from app.core import mail, mail_pacing
from app.core.clock import now_utc
from app.core.mail import MailAttachment, OutboxMessage
from app.core.scheduler import run_job
from app.extensions import db


def deliver(**options) -> dict:
    run = run_job("deliver-mail", **options)
    assert run.outcome == "success", run.error
    return dict(run.figures)


def attach(batch: str, language: str | None, name: str, content: bytes) -> None:
    db.session.add(MailAttachment(batch=batch, language=language, filename=name,
                                  content_type="text/plain; charset=utf-8",
                                  content=content))  # fmt: skip


def test_transactional_mail_goes_before_bulk_mail_queued_earlier(app, inbox):
    earlier = now_utc() - timedelta(minutes=5)
    for n in range(3):
        mail.enqueue(f"bulk{n}@example.com", "News", "news", bulk=True, now=earlier)
    mail.enqueue("reset@example.com", "Your link", "link")
    db.session.commit()
    deliver(batch_size=1, rate=0)
    assert [str(m["To"]) for m in inbox.messages] == ["reset@example.com"]
    deliver(rate=0)
    assert len(inbox.messages) == 4


def test_the_bucket_fills_at_the_rate_and_holds_at_most_a_minute(app):
    now = now_utc()
    assert mail_pacing.available(0, now) == 2**31, "0: no limit"
    assert mail_pacing.available(60, now) == 60, "a full bucket at first"
    mail_pacing.spend(60, now, 60)
    assert mail_pacing.available(60, now) == 0
    assert mail_pacing.available(60, now + timedelta(seconds=10)) == 10
    assert mail_pacing.available(60, now + timedelta(hours=5)) == 60
    assert mail_pacing.available(60, now - timedelta(hours=1)) == 0, "a clock set back"


def test_a_manual_run_right_after_a_scheduled_one_sends_no_bulk_mail(app, inbox):
    app.config["MAIL_RATE_PER_MINUTE"] = 3
    for n in range(5):
        mail.enqueue(f"bulk{n}@example.com", "News", "news", bulk=True)
    db.session.commit()
    at = now_utc() + timedelta(seconds=1)
    assert deliver(as_of=at)["sent"] == 3
    assert deliver(as_of=at + timedelta(seconds=5))["sent"] == 0
    assert deliver(as_of=at + timedelta(seconds=65))["sent"] == 2
    assert len(inbox.messages) == 5


def test_extra_headers_are_added_but_cannot_replace_the_messages_own(app, inbox):
    mail.enqueue("a@example.com", "Hello", "text", headers={
        "List-Unsubscribe": "<https://forum.example/u/1>", "From": "evil@example.com",
        "Subject": "Not this",
    })  # fmt: skip
    db.session.commit()
    deliver()
    (received,) = inbox.messages
    assert received["List-Unsubscribe"] == "<https://forum.example/u/1>"
    assert received["From"] == app.config["MAIL_FROM"] and received["Subject"] == "Hello"
    assert received.get_all("Subject") == ["Hello"]


def test_a_header_that_cannot_be_written_fails_that_message_only(app, inbox):
    mail.enqueue("crlf@example.com", "Bad", "text", headers={"X-Note": "one\r\nBcc: x@y.z"})
    for name, headers in (("json", "not json"), ("list", '{"X-Note": ["not", "text"]}')):
        message = mail.enqueue(f"{name}@example.com", "Bad", "text")
        message.headers = headers
    mail.enqueue("good@example.com", "Good", "text")
    db.session.commit()

    figures = deliver()
    assert (figures["sent"], figures["failed"]) == (1, 3)
    assert [str(m["To"]) for m in inbox.messages] == ["good@example.com"]
    failed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed"))
    assert all("Error" in (m.last_error or "") for m in failed)


def test_a_batch_attachment_goes_with_each_message_of_its_language(app, inbox):
    attach("launch", "fr", "fr.txt", "Déjà vu".encode())
    attach("launch", "en", "en.txt", b"Hello")
    attach("launch", None, "all.txt", b"Everyone")
    attach("other", None, "other.txt", b"Not ours")
    for language in ("fr", "en"):
        mail.enqueue(f"{language}@example.com", "Launch", "text", language=language,
                     html="<p>text</p>", bulk=True, batch="launch")  # fmt: skip
    mail.enqueue("plain@example.com", "Plain", "text")
    db.session.commit()
    deliver(rate=0)

    received = {
        str(m["To"]): message_from_bytes(m.as_bytes(), policy=policy.default)
        for m in inbox.messages
    }
    names = {to: sorted(p.get_filename() for p in m.iter_attachments())
             for to, m in received.items()}  # fmt: skip
    assert names == {"fr@example.com": ["all.txt", "fr.txt"],
                     "en@example.com": ["all.txt", "en.txt"], "plain@example.com": []}  # fmt: skip
    french = received["fr@example.com"]
    assert french.get_body(("html",)).get_content().strip() == "<p>text</p>"
    (fr_file,) = [p for p in french.iter_attachments() if p.get_filename() == "fr.txt"]
    assert fr_file.get_content() == "Déjà vu"


def test_without_a_mail_server_the_eml_file_has_the_attachment_and_headers(app):
    attach("launch", None, "invite.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    mail.enqueue("a@example.com", "Launch", "text", bulk=True, batch="launch",
                 headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})  # fmt: skip
    db.session.commit()
    deliver(rate=0)
    (eml,) = (Path(app.instance_path) / "mail").glob("*.eml")
    email = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [p.get_filename() for p in email.iter_attachments()] == ["invite.ics"]
