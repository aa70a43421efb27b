"""The outbox: every outgoing email is a row, written in the transaction that caused it.

A package calls ``enqueue(...)`` beside its own changes and commits once: the message
exists if and only if what it announces does. Nothing is sent during the request; the
``deliver-mail`` job (app/core/outbox.py) sends queued messages every minute, retries
temporary failures and marks permanent ones, which administrators see on /admin/mail.

A message's life: queued -> sending -> sent, or back to queued (a temporary failure,
retried later), or failed (refused for good, or too many attempts). "sending" is
committed before the SMTP conversation and "sent" right after it, so a run killed
halfway sends again at most the one message it was sending (with the same Message-ID,
so mail clients that see both show one).
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now_utc
from app.core.types import UTCDateTime
from app.extensions import db

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
STATUSES = (QUEUED, SENDING, SENT, FAILED)


class OutboxMessage(db.Model):
    """One outgoing email and where its delivery stands."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "<...@host>", made at enqueue: the same on every attempt.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    # When the job may try it (again); for a message "sending", when it is presumed lost.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def enqueue(
    to: str,
    subject: str,
    text: str,
    *,
    html: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """Queue a message in the current transaction; the caller commits (or rolls back)."""
    now = now or now_utc()
    message = OutboxMessage(
        message_id=make_msgid(domain=_message_id_domain()),
        recipient=to.strip(),
        subject=" ".join(str(subject).split())[:300],  # one line: a header
        text_body=str(text),
        html_body=None if html is None else str(html),
        language=language,
        status=QUEUED,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    return message


def _message_id_domain() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def as_email(message: OutboxMessage, *, eight_bit: bool = False) -> EmailMessage:
    """The message as sent: the same headers and bodies on every attempt.

    Bodies go as they are when they can (ASCII, lines under SMTP's 998 limit), so links
    stay whole for someone reading the raw message; ``eight_bit`` (files, not SMTP)
    keeps accented text readable too. Raises ValueError for a recipient that cannot be
    written in a header."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message.message_id
    email.set_content(message.text_body, cte=_encoding(message.text_body, eight_bit))
    if message.html_body is not None:
        email.add_alternative(
            message.html_body, subtype="html", cte=_encoding(message.html_body, eight_bit)
        )
    if message.language:  # after the bodies: setting content clears Content-* headers
        email["Content-Language"] = message.language
    return email


def _encoding(body: str, eight_bit: bool) -> str | None:
    """A transfer encoding that leaves the body readable, or None: let email choose."""
    if any(len(line) > 900 for line in body.splitlines()):
        return None
    if body.isascii():
        return "7bit"
    return "8bit" if eight_bit else None
