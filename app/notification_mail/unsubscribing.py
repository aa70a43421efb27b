"""What an unsubscribe link names, and stopping it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.notification_mail import tokens
from app.notification_mail.settings import NONE, kinds_by_key, set_modes


@dataclass(frozen=True)
class Unsubscription:
    user_id: int
    kinds: list[str]
    labels: list[str]


def lookup(token: str) -> Unsubscription | None:
    """The member and the email kinds a token names; None for a bad token, a member
    who is gone, or kinds that no longer exist."""
    found = tokens.read(token)
    if found is None:
        return None
    user_id, keys = found
    known = kinds_by_key()
    kinds = [key for key in known if key in keys]
    if not kinds:
        return None
    if db.session.scalar(select(User.id).where(User.id == user_id)) is None:
        return None
    return Unsubscription(user_id, kinds, [str(known[key].label) for key in kinds])


def unsubscribe(token: str) -> Unsubscription | None:
    """Stop the token's email kinds for its member ("none"); the caller commits."""
    found = lookup(token)
    if found is not None:
        set_modes(found.user_id, dict.fromkeys(found.kinds, NONE), source="link")
    return found
