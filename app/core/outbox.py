"""Delivering the outbox: the ``deliver-mail`` job, its transports, and retries.

Every minute the job claims queued messages one at a time (``FOR UPDATE SKIP LOCKED``
on PostgreSQL; on SQLite the job's lease is the guard), marks each "sending" and
commits, speaks SMTP over one connection for the whole run, then marks it "sent" and
commits (in the same commit as the claim of the next message: one commit per message,
which halves the fsyncs that bound PostgreSQL's rate). A temporary failure (connection
refused, timeout, a 4xx reply) puts the message back in the queue after an exponential
backoff; a permanent one (a 5xx reply, an address that cannot be written) marks it
failed. Without MAIL_SERVER, messages become .eml files
in instance/mail/ instead.

Transactional mail goes first (the lowest priority number); bulk mail (campaigns) is
claimed only while the pacing bucket has tokens (app/core/mail_pacing.py), so a big
campaign drains at MAIL_RATE_PER_MINUTE and never holds a password reset back.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from app.core import mail_pacing
from app.core.clock import now_utc
from app.core.mail import (
    BULK,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    MailAttachment,
    OutboxMessage,
    as_email,
)
from app.core.scheduler import Figures, Job, register_job
from app.extensions import db

log = logging.getLogger("tribune.mail")


class TemporaryFailure(Exception):
    """The message may go through later: the server is down, slow, or said 4xx."""

    def __init__(self, reason: str, *, connection_lost: bool = False) -> None:
        super().__init__(reason)
        # Nothing more goes over this connection in this run.
        self.connection_lost = connection_lost


class PermanentFailure(Exception):
    """The message will never go through as it is: a 5xx reply, a malformed address."""


class Transport(Protocol):
    def send(self, message: OutboxMessage) -> None: ...

    def close(self) -> None: ...


# -- transports ---------------------------------------------------------------------


class Attachments:
    """The files of each (batch, language), read once per run however many messages."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str | None], list[MailAttachment]] = {}

    def of(self, message: OutboxMessage) -> list[MailAttachment]:
        if message.batch is None:
            return []
        key = (message.batch, message.language)
        if key not in self.known:
            self.known[key] = list(
                db.session.scalars(
                    select(MailAttachment)
                    .where(
                        MailAttachment.batch == message.batch,
                        or_(
                            MailAttachment.language.is_(None),
                            MailAttachment.language == message.language,
                        ),
                    )
                    .order_by(MailAttachment.id)
                )
            )
        return self.known[key]


class SmtpTransport:
    """One SMTP connection, opened at the first message and kept for the run."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.attachments = Attachments()

    def _connect(self) -> smtplib.SMTP:
        config, timeout = self.config, self.config["MAIL_TIMEOUT_SECONDS"]
        host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
        context = tls_context()
        smtp: smtplib.SMTP
        if config.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if config["MAIL_USE_TLS"] and not config.get("MAIL_USE_SSL"):
                smtp.starttls(context=context)
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: OutboxMessage) -> None:
        # Before connecting: a malformed message is no SMTP matter.
        email = as_email(message, attachments=self.attachments.of(message))
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.send_message(email, to_addrs=[message.recipient])
        except Exception as error:
            failure = classify(error)
            if failure is None:
                raise  # not an SMTP matter (Ctrl-C, a bug): the run records it
            if isinstance(failure, TemporaryFailure) and failure.connection_lost:
                self.close()
            elif self.smtp is not None:
                self._reset()
            raise failure from error

    def _reset(self) -> None:
        """After a refused message the server expects RSET before the next one."""
        try:
            assert self.smtp is not None
            self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()
        self.smtp = None


class FileTransport:
    """Development without MAIL_SERVER: each message becomes instance/mail/<time>-<id>.eml."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.attachments = Attachments()

    def send(self, message: OutboxMessage) -> None:
        email = as_email(message, eight_bit=True, attachments=self.attachments.of(message))
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{message.created_at:%Y%m%d-%H%M%S}-{message.id:06d}.eml"
        # Written whole then renamed: a reader never opens half a message; a second
        # attempt replaces the first.
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(bytes(email))
        partial.replace(self.folder / name)

    def close(self) -> None:
        pass


def tls_context() -> ssl.SSLContext:
    """The client side of TLS: the system's authorities, host names checked."""
    return ssl.create_default_context()


# Replies about the session, not the message: 530 TLS or authentication required, 534
# and 538 a stronger mechanism or encryption needed, 535 credentials refused.
SESSION_REFUSALS = frozenset({530, 534, 535, 538})


def classify(error: BaseException) -> TemporaryFailure | PermanentFailure | None:
    """What an exception from smtplib means for the message; None: not a mail error."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()), (550, b"refused"))
        return _by_code(code, reply)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return TemporaryFailure(f"server disconnected: {error}", connection_lost=True)
    if isinstance(error, smtplib.SMTPAuthenticationError | smtplib.SMTPConnectError):
        # The server or our settings, not this message: keep it, try again later.
        return TemporaryFailure(_reply_text(error), connection_lost=True)
    if isinstance(error, smtplib.SMTPHeloError | smtplib.SMTPNotSupportedError):
        return TemporaryFailure(f"server refused the session: {error}", connection_lost=True)
    if isinstance(error, smtplib.SMTPResponseException):
        if error.smtp_code in SESSION_REFUSALS or (
            isinstance(error, smtplib.SMTPSenderRefused) and error.smtp_code != 552
        ):
            # Our session or sender is refused (TLS or login required, MAIL_FROM not
            # allowed): no message is at fault; they wait while an administrator looks.
            return TemporaryFailure(_reply_text(error), connection_lost=True)
        return _by_code(error.smtp_code, error.smtp_error)
    if isinstance(error, OSError):  # refused, timed out, TLS failure, unreachable
        return TemporaryFailure(f"{type(error).__name__}: {error}", connection_lost=True)
    if isinstance(error, smtplib.SMTPException | ValueError | UnicodeError):
        return PermanentFailure(f"{type(error).__name__}: {error}")
    return None


def _by_code(code: int, reply: bytes | str) -> TemporaryFailure | PermanentFailure:
    text = f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
    if 400 <= code < 500:
        return TemporaryFailure(text, connection_lost=code == 421)  # 421: closing
    return PermanentFailure(text)


def _reply_text(error: smtplib.SMTPResponseException) -> str:
    reply = error.smtp_error
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return f"{error.smtp_code} {text}"


def transport_for(app: Flask) -> Transport:
    if app.config["MAIL_SERVER"]:
        return SmtpTransport(app.config)
    return FileTransport(Path(app.instance_path) / "mail")


# -- the job ------------------------------------------------------------------------


def deliver_mail(as_of: datetime | None = None, **options: Any) -> Figures:
    """Send what is due in the outbox; options: batch_size, batch_seconds, rate (bulk
    messages a minute, 0 for no limit)."""
    config = current_app.config
    clock: Callable[[], datetime] = (lambda: as_of) if as_of is not None else now_utc
    batch_size = int(options.get("batch_size", config["MAIL_BATCH_SIZE"]))
    deadline = time.monotonic() + float(options.get("batch_seconds", config["MAIL_BATCH_SECONDS"]))
    rate = int(options.get("rate", config["MAIL_RATE_PER_MINUTE"]) or 0)
    bulk_allowed = mail_pacing.available(rate, clock())
    transport = transport_for(current_app)
    figures = {"sent": 0, "retried": 0, "failed": 0, "bulk": 0}
    try:
        while figures["sent"] + figures["retried"] + figures["failed"] < batch_size:
            if time.monotonic() > deadline:
                break
            message = claim_next(clock(), bulk=figures["bulk"] < bulk_allowed)
            if message is None:
                break
            if message.priority >= BULK:
                figures["bulk"] += 1
            outcome, server_away = _deliver_one(message, transport, clock)
            figures[outcome] += 1
            if server_away:
                break  # the rest waits for the next run
    finally:
        transport.close()
        _commit_sent()
    if figures["bulk"]:  # a run that died here leaves its tokens unspent: once, no more
        mail_pacing.spend(rate, clock(), figures["bulk"])
        db.session.commit()
    figures["queued"] = db.session.scalar(
        select(db.func.count()).where(OutboxMessage.status.in_((QUEUED, SENDING)))
    )
    return figures


def _commit_sent() -> None:
    """Commit the last message marked sent, even when the run stops on an error (the
    error then stands: a session that cannot commit is rolled back)."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("mail: could not record the last message sent")


def claim_next(now: datetime, *, bulk: bool = True) -> OutboxMessage | None:
    """The next message due, marked "sending" and committed; None when nothing is due.

    Transactional mail first, then (if ``bulk``) bulk mail, each in the order it fell
    due. A message left "sending" past its deadline was in flight when its run died: it
    is due again (the one message such a run may send twice)."""
    message = _next(SENDING, now, bulk) or _next(QUEUED, now, bulk)
    if message is None:
        db.session.commit()
        return None
    timeout = current_app.config["MAIL_SENDING_TIMEOUT_SECONDS"]
    message.status = SENDING
    message.attempts += 1
    message.next_attempt_at = now + timedelta(seconds=timeout)
    db.session.commit()
    return message


def _next(status: str, now: datetime, bulk: bool) -> OutboxMessage | None:
    # One status at a time: (status, priority, next_attempt_at) is then the index's own
    # order, and the first row due is found without sorting a campaign's 100,000.
    query = select(OutboxMessage).where(
        OutboxMessage.status == status, OutboxMessage.next_attempt_at <= now
    )
    if not bulk:
        query = query.where(OutboxMessage.priority < BULK)
    return db.session.scalars(
        query.order_by(OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)  # ignored by SQLite, where the lease guards
    ).first()


def _deliver_one(
    message: OutboxMessage, transport: Transport, clock: Callable[[], datetime]
) -> tuple[str, bool]:
    """Send one claimed message: ("sent" | "retried" | "failed", whether the server is away)."""
    try:
        transport.send(message)
    except TemporaryFailure as failure:
        return _temporary(message, failure, clock()), failure.connection_lost
    except PermanentFailure as failure:
        return _failed(message, str(failure), clock()), False
    except (ValueError, UnicodeError) as error:  # an address no header can carry
        return _failed(message, f"{type(error).__name__}: {error}", clock()), False
    message.status, message.sent_at, message.last_error = SENT, clock(), None
    message.next_attempt_at = message.sent_at  # done: not presumed lost in 10 minutes
    # Committed with the next claim, before the next SMTP conversation (or at the end
    # of the run): a run killed in between sends this one again, as if killed during it.
    db.session.flush()
    return "sent", False


def _temporary(message: OutboxMessage, failure: TemporaryFailure, now: datetime) -> str:
    config = current_app.config
    if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        return _failed(message, f"gave up after {message.attempts} attempts: {failure}", now)
    delay = min(
        config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1),
        config["MAIL_RETRY_MAX_SECONDS"],
    )
    message.status, message.last_error = QUEUED, str(failure)[:2000]
    message.next_attempt_at = now + timedelta(seconds=delay)
    db.session.commit()
    log.warning("mail %s to %s: will retry in %ds: %s", message.id, message.recipient, delay,
                failure)  # fmt: skip
    return "retried"


def _failed(message: OutboxMessage, reason: str, now: datetime) -> str:
    message.status, message.last_error = FAILED, reason[:2000]
    message.next_attempt_at = now
    db.session.commit()
    log.error("mail %s to %s failed for good: %s", message.id, message.recipient, reason)
    return "failed"


def retry(message_id: int, now: datetime | None = None) -> bool:
    """Queue a failed (or waiting) message to go with the next run; the caller commits.

    False if it was already sent or is being sent."""
    done = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(OutboxMessage.status == FAILED, OutboxMessage.status == QUEUED),
        )
        .values(status=QUEUED, next_attempt_at=now or now_utc(), attempts=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    return done == 1


def retry_failed(now: datetime | None = None) -> int:
    """Queue every failed message to go with the next run; how many. The caller commits."""
    return db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == FAILED)
        .values(status=QUEUED, next_attempt_at=now or now_utc(), attempts=0)
        .execution_options(synchronize_session=False)
    ).rowcount


def init_app(app: Flask) -> None:
    register_job(
        app,
        Job(
            "deliver-mail",
            deliver_mail,
            interval_seconds=60,
            description=_l("Send the outbox: queued mail, and retries that are due."),
            lease_seconds=600,
        ),
    )
