"""Signing up through an emailed link, so the sign-up form never tells who has an account.

The form checks everything but the address, then answers "check your inbox" whatever
the address: a new address gets a link that finishes the sign-up (the account is
created, and the member logged in, only then); an address that already has an account
gets a message telling its owner, with a way to set a new password. Both mails go
through the outbox in the request's transaction, so neither answer waits on a server.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.models import User
from app.accounts.resets import issue_reset_token
from app.accounts.services import (
    AccountError,
    check_password_rules,
    check_username,
    create_user,
    get_by_username,
    hash_password,
    normalize_email,
)
from app.accounts.tokens import digest
from app.core import mail
from app.core.clock import now_utc
from app.core.sql import insert_for
from app.core.types import UTCDateTime
from app.core.urls import external_url
from app.extensions import db

INVALID_LINK = _l("This link is invalid, used or expired. Sign up again to get a new one.")


class PendingRegistration(db.Model):
    """A sign-up waiting for its emailed link: one per address, the latest wins."""

    __tablename__ = "pending_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(32))
    username_key: Mapped[str] = mapped_column(String(32), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(8))
    registration_ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def start_registration(
    username: str,
    email: str,
    password: str,
    *,
    locale: str | None = None,
    registration_ip: str | None = None,
) -> None:
    """Check the form, then queue the mail that fits the address; the caller commits.

    Raises AccountError for what the member can fix (username, password, a malformed
    address), and for nothing that depends on who else uses the address."""
    username = check_username(username)
    email = normalize_email(email)
    check_password_rules(password, username, email)
    now = now_utc()
    db.session.execute(delete(PendingRegistration).where(PendingRegistration.expires_at <= now))
    if get_by_username(username) is not None or _username_pending(username, email, now):
        raise AccountError(_l("This username is taken."), field="username")
    # Hashed whichever way it goes: both answers take the same time.
    password_hash = hash_password(password)
    owner = db.session.scalar(select(User).where(User.email == email))
    if owner is not None:
        _tell_the_owner(owner)
        return
    token = secrets.token_urlsafe(32)
    hours = current_app.config["REGISTRATION_CONFIRM_HOURS"]
    _upsert_pending(
        token_hash=digest(token),
        email=email,
        username=username,
        username_key=username.lower(),
        password_hash=password_hash,
        locale=locale,
        registration_ip=registration_ip,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    language = locale or str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    with force_locale(language):
        mail.enqueue(email, _("Finish signing up"), _(
            "Hello %(name)s,\n\nTo finish creating your account, open this link within "
            "%(hours)d hours:\n\n%(link)s\n\nIf you did not sign up, ignore this message: "
            "no account is created.",
            name=username, hours=hours,
            link=external_url("accounts.confirm_registration", token=token),
        ), language=language)  # fmt: skip


def _username_pending(username: str, email: str, now: datetime) -> bool:
    """Someone else's unfinished sign-up keeps the username until it expires."""
    return (
        db.session.scalar(
            select(PendingRegistration.id).where(
                PendingRegistration.username_key == username.lower(),
                PendingRegistration.email != email,
                PendingRegistration.expires_at > now,
            )
        )
        is not None
    )


def _upsert_pending(**values: object) -> None:
    """One pending sign-up per address, in one statement: signing up twice (a double
    click, a second try) replaces the first, whose link stops working."""
    table = PendingRegistration.__table__
    insert = insert_for(PendingRegistration).values(**values)
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.email],
            set_={name: insert.excluded[name] for name in values if name != "email"},
        )
    )


def _tell_the_owner(owner: User) -> None:
    """Someone signed up with an address that has an account: its owner hears of it."""
    if not owner.active:
        return
    token = issue_reset_token(owner)
    if token is None:
        return  # this mailbox had enough mail from us this hour (PASSWORD_RESETS_PER_HOUR)
    with force_locale(owner.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = _(
            "Hello %(name)s,\n\nSomeone, perhaps you, tried to sign up with this address. "
            "It already has an account: yours, with the username %(name)s.\n\n"
            "Log in here: %(login)s",
            name=owner.username, login=external_url("accounts.login"),
        )  # fmt: skip
        text += "\n\n" + _(
            "Forgot your password? Set a new one with this link within %(hours)d hours "
            "(it works once):\n\n%(link)s",
            hours=current_app.config["PASSWORD_RESET_HOURS"],
            link=external_url("accounts.reset_password", token=token),
        )  # fmt: skip
        text += "\n\n" + _("If it was not you, ignore this message: nothing changes.")
        mail.enqueue(owner.email, _("Someone tried to sign up with your address"), text,
                     language=owner.locale)  # fmt: skip


def pending(token: str) -> PendingRegistration | None:
    """The unexpired sign-up this link finishes, if any."""
    found = db.session.scalar(
        select(PendingRegistration).where(PendingRegistration.token_hash == digest(token))
    )
    if found is None or found.expires_at <= now_utc():
        return None
    return found


def finish_registration(token: str) -> User:
    """Create the account of the sign-up this link finishes; the caller commits.

    The pending row is deleted and returned in one statement: of two clicks at once,
    one creates the account and the other finds the link used."""
    table = PendingRegistration.__table__
    row = db.session.execute(
        delete(PendingRegistration)
        .where(PendingRegistration.token_hash == digest(token))
        .where(PendingRegistration.expires_at > now_utc())
        .returning(*table.c)
    ).first()
    if row is None:
        raise AccountError(INVALID_LINK)
    return create_user(
        row.username,
        row.email,
        None,
        password_hash=row.password_hash,
        locale=row.locale,
        registration_ip=row.registration_ip,
    )
