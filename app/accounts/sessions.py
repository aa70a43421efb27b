"""Logins that end on the server: one member_sessions row per browser a member logs in from.

Flask's session is a signed cookie, so deleting it in the browser at logout does not
stop a copy of it (or of the remember-me cookie) from working. Each login therefore
gets a random key, kept in both cookies (inside Flask-Login's user id, see
User.get_id) and stored here as a SHA-256; the user loader accepts a cookie only while
its row exists, in the same statement that loads the member. Logging out deletes this
browser's row; "log out everywhere" deletes them all. A login lasts at most
REMEMBER_COOKIE_DURATION (30 days by default), remembered or not.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from app.accounts.models import MemberSession, User
from app.accounts.tokens import digest
from app.core.clock import now_utc
from app.extensions import db


def lifetime() -> timedelta:
    """How long a login lasts: REMEMBER_COOKIE_DURATION (a timedelta or seconds)."""
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration if isinstance(duration, timedelta) else timedelta(seconds=int(duration))


def start(user: User, at: datetime | None = None) -> str:
    """A new login for ``user``: its row added, its key set on the member. Caller commits.

    Call before flask_login.login_user, which stores user.get_id() in the cookies.
    """
    now = at or now_utc()
    # The member's expired logins go as a new one comes: no job needed to prune them.
    db.session.execute(
        delete(MemberSession).where(
            MemberSession.user_id == user.id, MemberSession.expires_at <= now
        )
    )
    key = secrets.token_urlsafe(24)
    db.session.add(
        MemberSession(
            user_id=user.id, key_hash=digest(key), created_at=now, expires_at=now + lifetime()
        )
    )
    user.session_key = key
    return key


def end(user: User) -> None:
    """End the login this request runs under (logout). Caller commits."""
    if user.session_key:
        db.session.execute(
            delete(MemberSession).where(MemberSession.key_hash == digest(user.session_key))
        )
        user.session_key = None


def end_all(user: User) -> None:
    """End every login of ``user``, in every browser (this one included). Caller commits."""
    db.session.execute(delete(MemberSession).where(MemberSession.user_id == user.id))
    user.session_key = None
