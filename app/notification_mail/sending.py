"""The two jobs of notification mail: grouped immediate mail, and the daily digest.

The notification row is the source of truth; nothing is mailed while it is written.
Every minute ``mail-notifications`` finds the members whose oldest notification waiting
for an immediate mail is older than NOTIFICATION_MAIL_GROUP_MINUTES, and sends each one
mail listing all of them (those that came in the meantime too): a burst of answers is
one mail, sent at most that many minutes after the first. Once a day
``mail-notification-digests`` sends each member one mail with their digest kinds of the
last day. Both are set-based: one statement finds who has something, one claims their
notifications, then each member with something is written to.

A claim is a row in notification_mailings, whose key is the notification: two runs at
once (or the immediate job and the digest after a member changed their mind) insert
the same keys, and the database lets one of them have each notification (ON CONFLICT
DO NOTHING; on PostgreSQL the second waits for the first to commit, then gets nothing).
A run reads back only the rows it inserted (its ``run`` token) and mails those, in the
same transaction as the outbox rows: claimed and queued together, or neither.

Not mailed: notifications read in Tribune before the job came; those older than
NOTIFICATION_MAIL_MAX_AGE_HOURS (a member switching to immediate mail is not sent their
backlog); those about something the member may no longer read ("withheld"); and none at
all to members who cannot or should not get mail: deactivated, suspended, or with an
imported member's placeholder address.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from flask import current_app
from sqlalchemy import and_, exists, func, not_, or_, select

from app.accounts.models import User
from app.accounts.resets import UNDELIVERABLE
from app.core import events, mail
from app.core.clock import now_utc
from app.core.notifications import Notification, email_kinds, unreadable
from app.core.scheduler import Figures
from app.core.sql import insert_for
from app.extensions import db
from app.notification_mail import letters
from app.notification_mail.models import NotificationMailing
from app.notification_mail.settings import DIGEST, IMMEDIATE, effective_mode, email_kind_of

WITHHELD = "withheld"


def reachable(now: datetime) -> Any:
    """SQL over users: a member who may receive notification mail now."""
    return and_(
        User.active.is_(True),
        or_(User.suspended_until.is_(None), User.suspended_until <= now),
        not_(func.lower(User.email).like(f"%{UNDELIVERABLE}")),
    )


def _pending(mode: str, now: datetime, since: datetime) -> Any:
    """The WHERE of notifications waiting for a mail of ``mode`` (joined to users)."""
    mailed_kinds = [kind for email_kind in email_kinds() for kind in email_kind.kinds]
    return and_(
        Notification.created_at >= since,
        Notification.read_at.is_(None),
        Notification.kind.in_(mailed_kinds),
        ~exists().where(NotificationMailing.notification_id == Notification.id),
        effective_mode(Notification.user_id, Notification.kind) == mode,
        reachable(now),
    )


def due_members(mode: str, now: datetime, since: datetime, ready_before: datetime,
                limit: int) -> list[int]:  # fmt: skip
    """The members with a notification waiting for a ``mode`` mail, the oldest waiting
    since ``ready_before`` at least: one grouped statement over every member."""
    oldest = func.min(Notification.created_at)
    return list(
        db.session.scalars(
            select(Notification.user_id)
            .join(User, User.id == Notification.user_id)
            .where(_pending(mode, now, since))
            .group_by(Notification.user_id)
            .having(oldest <= ready_before)
            .order_by(oldest, Notification.user_id)
            .limit(limit)
        )
    )


def claim(member_ids: list[int], mode: str, now: datetime, since: datetime) -> str:
    """Take the members' waiting notifications for this run; returns the run's token."""
    run = secrets.token_hex(16)
    if not member_ids:
        return run
    taken = (
        select(Notification.id, _value(mode, "mode"), _value(run, "run"), _value(now, "created_at"))
        .join(User, User.id == Notification.user_id)
        .where(Notification.user_id.in_(member_ids), _pending(mode, now, since))
    )
    statement = insert_for(NotificationMailing).from_select(
        ["notification_id", "mode", "run", "created_at"], taken
    )
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["notification_id"]))
    return run


def _value(value: Any, column: str) -> Any:
    """A bound value typed as the claim table's column (the INSERT ... SELECT's constants)."""
    return db.literal(value, NotificationMailing.__table__.c[column].type)


def claimed(run: str) -> list[tuple[Notification, str | None]]:
    """The notifications this run took, with their email kind, by member then age."""
    return [
        (item, kind)
        for item, kind in db.session.execute(
            select(Notification, email_kind_of(Notification.kind))
            .join(NotificationMailing, NotificationMailing.notification_id == Notification.id)
            .where(NotificationMailing.run == run)
            .order_by(Notification.user_id, Notification.id)
        ).all()
    ]


def send(mode: str, now: datetime, since: datetime, ready_before: datetime,
         seconds: float = 0) -> Figures:  # fmt: skip
    """Claim and mail what is due for ``mode``, NOTIFICATION_MAIL_BATCH_MEMBERS members
    at a time, each batch committed (a chunk) before the next, until nobody is left or
    ``seconds`` have passed (0: no limit); the job's figures."""
    limit = int(current_app.config["NOTIFICATION_MAIL_BATCH_MEMBERS"])
    deadline = time.monotonic() + seconds if seconds else None
    figures = {"members": 0, "mails": 0, "notifications": 0, WITHHELD: 0}
    while members := due_members(mode, now, since, ready_before, limit):
        for name, value in _send_batch(members, mode, now, since).items():
            figures[name] += value
        if deadline is not None and time.monotonic() > deadline:
            break  # the rest goes with the next run
        # Claims and their mail, committed together; the last batch with the job.
        events.commit_chunk()
    return figures


def _send_batch(members: list[int], mode: str, now: datetime, since: datetime) -> Figures:
    run = claim(members, mode, now, since)
    rows = claimed(run)
    member_ids = {item.user_id for item, _kind in rows}
    people = {
        user.id: user for user in db.session.scalars(select(User).where(User.id.in_(member_ids)))
    }
    figures = {"members": len(members), "mails": 0, "notifications": 0, WITHHELD: 0}
    for user_id, group in groupby(rows, key=lambda row: row[0].user_id):
        sent, withheld = _mail_one(people[user_id], list(group), mode, now, run)
        figures["mails"] += 1 if sent else 0
        figures["notifications"] += sent
        figures[WITHHELD] += withheld
    return figures


def _mail_one(member: User, rows: list[tuple[Notification, str | None]], mode: str,
              now: datetime, run: str) -> tuple[int, int]:  # fmt: skip
    """Queue the member's one mail; (notifications mailed, withheld)."""
    items = [item for item, _kind in rows]
    hidden = unreadable(member, items)
    if hidden:
        _withhold(hidden, run)
    shown = [(item, kind) for item, kind in rows if item.id not in hidden]
    if not shown:
        return 0, len(hidden)
    letter = letters.compose(member, [item for item, _k in shown],
                             [kind for _i, kind in shown if kind], mode)  # fmt: skip
    # A digest goes to many members at once: bulk mail, paced, behind password resets.
    digest = mode == DIGEST
    mail.enqueue(member.email, letter.subject, letter.text, html=letter.html,
                 language=letter.language, now=now, headers=letter.headers, bulk=digest,
                 batch=f"notification-digest:{now:%Y-%m-%d}" if digest else None)  # fmt: skip
    return len(shown), len(hidden)


def _withhold(notification_ids: Iterable[int], run: str) -> None:
    db.session.execute(
        db.update(NotificationMailing)
        .where(
            NotificationMailing.run == run,
            NotificationMailing.notification_id.in_(list(notification_ids)),
        )
        .values(mode=WITHHELD)
        .execution_options(synchronize_session=False)
    )


# -- the jobs -----------------------------------------------------------------------


def mail_notifications(as_of: datetime | None = None, **options: Any) -> Figures:
    """Mail each member with notifications due for immediate mail, grouped (every minute)."""
    config = current_app.config
    now = as_of or now_utc()
    window = timedelta(
        minutes=float(options.get("minutes", config["NOTIFICATION_MAIL_GROUP_MINUTES"]))
    )
    since = now - timedelta(hours=float(config["NOTIFICATION_MAIL_MAX_AGE_HOURS"]))
    seconds = float(config["NOTIFICATION_MAIL_RUN_SECONDS"])
    return send(IMMEDIATE, now, since, ready_before=now - window, seconds=seconds)


def mail_digests(as_of: datetime | None = None, **options: Any) -> Figures:
    """Mail each member their digest of the last day (daily)."""
    now = as_of or now_utc()
    hours = float(options.get("hours", current_app.config["NOTIFICATION_DIGEST_HOURS"]))
    return send(DIGEST, now, now - timedelta(hours=hours), ready_before=now)
