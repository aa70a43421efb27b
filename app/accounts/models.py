"""Members and their roles."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import permissions
from app.core.clock import now_utc
from app.core.permissions import CapabilityGrant
from app.core.types import UTCDateTime
from app.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    # Lower-cased username: "Alice" and "alice" are the same member.
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # The brand's own id for this customer (CRM, shop), to match signals from outside.
    external_customer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # None for members brought in by an import, until they claim their account.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member", index=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str | None] = mapped_column(String(8))
    registration_ip: Mapped[str | None] = mapped_column(String(45), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped when the password changes: invalidates every session and remember-me cookie
    # at once (each login also has its own row in member_sessions, ended at logout).
    session_version: Mapped[int] = mapped_column(default=1)
    # Members can deactivate; Flask-Login refuses inactive accounts.
    active: Mapped[bool] = mapped_column(default=True)
    # Suspended members can read but not write; set by moderation, None when not suspended.
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the member is told while suspended (the full history is kept by moderation).
    suspension_reason: Mapped[str | None] = mapped_column(String(300))
    # Silenced members' posts wait for review until then (set by moderation).
    silenced_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Cached total of the member's points ledger; the badges package keeps it and
    # `tribune points verify` recomputes it from the ledger.
    points: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    # A title a higher package gives the member, kept on the member row so that the mark
    # beside their name needs no query: the ambassadors package keeps "ambassador" here
    # while the member holds the status (it shows only when the status is public).
    distinction: Mapped[str | None] = mapped_column(String(16))

    grants: Mapped[list[CapabilityGrant]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    # Filled by the user loader in the same statement that loads the member.
    unread_notifications: int = 0
    granted_capabilities = None  # frozenset[str] once loaded; None: use self.grants
    # The secret of the login this request runs under (app/accounts/sessions.py).
    session_key = None  # str | None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        # What Flask-Login keeps in the session and the remember-me cookie. The session
        # version makes a password change log out every session; the key names this
        # login's row in member_sessions, so logging out ends it on the server.
        return f"{self.id}:{self.session_version}:{self.session_key or ''}"

    def can(self, capability: str) -> bool:
        """Whether this member holds ``capability`` now, by role or by a grant.

        A suspended member keeps only what lets them read (private categories)."""
        reading = permissions.is_reading(capability)
        if self.suspended_until is not None and not reading and self.is_suspended():
            return False
        if self.granted_capabilities is not None:  # read with the member (the user loader)
            return permissions.role_can(self.role, capability) or (
                capability in self.granted_capabilities
            )
        return permissions.can(self.role, self.grants, capability)

    def granted_in(self, family: permissions.CapabilityFamily) -> frozenset[str]:
        """The capabilities of ``family`` this member holds by an active grant now (those
        read with the member when the user loader loaded it, no query then)."""
        if self.suspended_until is not None and not family.reading and self.is_suspended():
            return frozenset()
        if self.granted_capabilities is not None:
            return permissions.granted_of_family(family, self.granted_capabilities)
        at = now_utc()
        active = (g.capability for g in self.grants if g.is_active(at))
        return permissions.granted_of_family(family, active)

    def is_suspended(self, at: datetime | None = None) -> bool:
        return self.suspended_until is not None and self.suspended_until > (at or now_utc())

    def is_silenced(self, at: datetime | None = None) -> bool:
        return self.silenced_until is not None and self.silenced_until > (at or now_utc())

    @property
    def is_staff_member(self) -> bool:
        """Brand staff, moderators and admins: not customers, left out of rankings."""
        return self.role != "member"

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(db.Model):
    """A staff API token: only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so staff can tell tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(String(16))
    # The staff member the token acts for, with their current capabilities; None for a
    # token made with `tribune tokens create` (the operator's). Removing the member
    # removes their tokens.
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class MemberSession(db.Model):
    """One login (a browser): only the SHA-256 of its key is stored; the key is in the
    browser's session and remember-me cookies. Logging out deletes the row."""

    __tablename__ = "member_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PasswordReset(db.Model):
    """A link that sets a member's password (forgotten, or never set: imported members).

    Only the token's SHA-256 is stored; the token travels in the emailed link alone.
    """

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
