"""The tables of notification email: each member's choices, and what was mailed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now_utc
from app.core.types import UTCDateTime
from app.extensions import db


class NotificationEmailSetting(db.Model):
    """How one member receives one email kind ("answers"): none, immediate or digest.

    No row: the kind's default (core.notifications.EmailKind.default)."""

    __tablename__ = "notification_email_settings"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))
    # "account" (the account page) or "link" (an email's unsubscribe link).
    source: Mapped[str] = mapped_column(String(16), default="account")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class NotificationMailing(db.Model):
    """A notification a job took for a mail: at most one row per notification, so two
    runs (or the immediate job and the digest) never mail it twice.

    ``mode`` says how it went: "immediate" or "digest" (in that mail), or "withheld"
    (the member may no longer read what it is about: not mailed, never retried)."""

    __tablename__ = "notification_mailings"

    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(16))
    # The run that took it: the run reads back its own rows by this.
    run: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
