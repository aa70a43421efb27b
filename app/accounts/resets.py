"""Password reset links: how members who forgot their password, or imported members who
never had one, set it. A link works once, for PASSWORD_RESET_HOURS, and is stored hashed.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.accounts.models import PasswordReset, User
from app.accounts.services import AccountError, check_password_rules, get_by_login, hash_password
from app.accounts.tokens import digest
from app.core import mail
from app.core.clock import now_utc
from app.core.urls import external_url
from app.extensions import db

UNDELIVERABLE = "@users.invalid"  # imported members without an address (RFC 2606)
INVALID_LINK = _l("This link is invalid, used or expired. Ask for a new one.")


def request_reset(email: str) -> bool:
    """Queue a link for the active member with this email; False if nobody (or too many).

    Callers answer the same either way, so the form does not tell who has an account;
    the mail goes through the outbox, so both answers take the same time."""
    address = email.strip().lower()
    if not address or address.endswith(UNDELIVERABLE):
        return False
    user = get_by_login(address)  # emails are stored in lower case
    if user is None or not user.active:
        return False
    token = issue_reset_token(user)
    if token is None:
        return False
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        mail.enqueue(user.email, _("Set your password"), _(
            "Hello %(name)s,\n\nTo set your password, open this link within %(hours)d "
            "hours (it works once):\n\n%(link)s\n\nIf you did not ask for it, ignore "
            "this message: your password stays as it is.",
            name=user.username, hours=current_app.config["PASSWORD_RESET_HOURS"],
            link=external_url("accounts.reset_password", token=token),
        ), language=user.locale)  # fmt: skip
    return True


def issue_reset_token(user: User) -> str | None:
    """A new reset token for this member (stored hashed), or None past the hourly limit."""
    now = now_utc()
    recent = db.session.scalar(
        select(func.count()).where(
            PasswordReset.user_id == user.id, PasswordReset.created_at > now - timedelta(hours=1)
        )
    )
    if recent >= current_app.config["PASSWORD_RESETS_PER_HOUR"]:
        return None  # someone is filling this member's mailbox
    token = secrets.token_urlsafe(32)
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(PasswordReset(user_id=user.id, token_hash=digest(token), created_at=now,
                                 expires_at=now + timedelta(hours=hours)))  # fmt: skip
    return token


def valid_reset(token: str) -> PasswordReset | None:
    stored = digest(token)
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == stored))
    if reset is None or reset.used_at is not None or reset.expires_at <= now_utc():
        return None
    return reset


def reset_password(token: str, new_password: str) -> User:
    """Set the password through a link; every link and session of the member ends."""
    reset = valid_reset(token)
    user = db.session.get(User, reset.user_id) if reset else None
    if reset is None or user is None or not user.active:
        raise AccountError(INVALID_LINK, field="password")
    check_password_rules(new_password, user.username, user.email)
    now = now_utc()
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    return user
