"""The outbox: every outgoing email is a row, written in the transaction that caused it.

A package calls ``enqueue(...)`` beside its own changes and commits once: the message
exists if and only if what it announces does. Nothing is sent during the request; the
``deliver-mail`` job (app/core/outbox.py) sends queued messages every minute, retries
temporary failures and marks permanent ones, which administrators see on /admin/mail.

A message's life: queued -> sending -> sent, or back to queued (a temporary failure,
retried later), or failed (refused for good, or too many attempts). "sending" is
committed before the SMTP conversation and "sent" after it (with the next claim), so a
run killed halfway sends again at most the one message it was sending (with the same
Message-ID, so mail clients that see both show one).

Transactional mail (sign-up links, password resets) has priority 0 and goes first;
bulk mail (campaigns, priority 1) waits behind it and is paced by MAIL_RATE_PER_MINUTE
(app/core/mail_pacing.py). A bulk send names its ``batch`` (e.g. "campaign:12"): the
batch's progress is one aggregate query, and the files of ``mail_attachments`` are
stored once per batch and language, not per message. ``headers`` holds extra headers
(a JSON object, e.g. List-Unsubscribe) that an INSERT ... SELECT can fill per member.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import Index, LargeBinary, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now_utc
from app.core.types import UTCDateTime
from app.extensions import db

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
STATUSES = (QUEUED, SENDING, SENT, FAILED)
# Lower goes first: a password reset never waits behind a campaign of 100,000.
TRANSACTIONAL, BULK = 0, 1
# Set by as_email itself: extra headers cannot replace them.
OWN_HEADERS = frozenset({"from", "to", "subject", "date", "message-id", "content-language",
                         "content-type", "content-transfer-encoding", "mime-version"})  # fmt: skip


class OutboxMessage(db.Model):
    """One outgoing email and where its delivery stands."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        # The job's next message: queued, by priority, then by due time, then by id (a
        # campaign's rows share one due time: without id PostgreSQL sorts them all for
        # every message it claims).
        Index("ix_mail_outbox_due", "status", "priority", "next_attempt_at", "id"),
        # A batch's progress (queued, sending, sent, failed) from the index alone.
        Index("ix_mail_outbox_batch_status", "batch", "status"),
    )

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
    # TRANSACTIONAL (0) or BULK (1): lower goes first; bulk mail is paced.
    priority: Mapped[int] = mapped_column(SmallInteger, default=TRANSACTIONAL)
    # What a bulk send groups under (its progress, its attachments); None for the rest.
    batch: Mapped[str | None] = mapped_column(String(64))
    # Extra headers: a JSON object of name -> value (text, so SQL replace() can fill it).
    headers: Mapped[str | None] = mapped_column(Text)
    # When the job may try it (again); for a message "sending", when it is presumed lost;
    # for one sent or failed, when that happened.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MailAttachment(db.Model):
    """A file every message of a batch in one language carries (None: every language).

    Stored once, not per message: 100,000 invitations to an event share two calendar
    files, one per language."""

    __tablename__ = "mail_attachments"
    __table_args__ = (UniqueConstraint("batch", "language", "filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(200))
    # "text/calendar; method=PUBLISH": the main type, subtype and parameters.
    content_type: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


def enqueue(
    to: str,
    subject: str,
    text: str,
    *,
    html: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
    bulk: bool = False,
    batch: str | None = None,
    headers: dict[str, str] | None = None,
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
        priority=BULK if bulk else TRANSACTIONAL,
        batch=batch,
        headers=json.dumps(headers) if headers else None,
        status=QUEUED,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    return message


def _message_id_domain() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def as_email(
    message: OutboxMessage,
    *,
    eight_bit: bool = False,
    attachments: Iterable[MailAttachment] = (),
) -> EmailMessage:
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
    for attachment in attachments:
        maintype, _, rest = attachment.content_type.partition("/")
        subtype, *parameters = (part.strip() for part in rest.split(";"))
        params = dict(part.partition("=")[::2] for part in parameters if "=" in part)
        email.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                             filename=attachment.filename, params=params)  # fmt: skip
    if message.language:  # after the bodies: setting content clears Content-* headers
        email["Content-Language"] = message.language
    for name, value in extra_headers(message).items():
        email[name] = value  # a value with a line break raises ValueError: failed for good
    return email


def extra_headers(message: OutboxMessage) -> dict[str, str]:
    """The message's extra headers, without those as_email sets itself.

    Raises ValueError for headers that are not a JSON object of strings."""
    if not message.headers:
        return {}
    headers = json.loads(message.headers)
    if not isinstance(headers, dict) or not all(
        isinstance(name, str) and isinstance(value, str) for name, value in headers.items()
    ):
        raise ValueError("the message's headers are not a JSON object of strings")
    return {name: value for name, value in headers.items() if name.lower() not in OWN_HEADERS}


def _encoding(body: str, eight_bit: bool) -> str | None:
    """A transfer encoding that leaves the body readable, or None: let email choose."""
    if any(len(line) > 900 for line in body.splitlines()):
        return None
    if body.isascii():
        return "7bit"
    return "8bit" if eight_bit else None
