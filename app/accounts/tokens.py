"""Staff API tokens: created once, stored as a SHA-256, named, revocable, last use kept.

A token is ``trb_`` and 40 random URL-safe characters. Only its hash is stored, so a
leaked database reveals no usable token; the token itself is shown to staff once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.accounts.models import ApiToken, User
from app.accounts.services import AccountError
from app.core import events
from app.core.clock import now_utc
from app.extensions import db

TOKEN_PREFIX = "trb_"
NAME_MAX_LENGTH = 80
# Writing last_used_at on every call would turn each API read into a write.
LAST_USED_RESOLUTION_SECONDS = 60


def digest(token: str) -> str:
    """How a secret is stored: its SHA-256 (API tokens, password reset links)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, created_by: User | None) -> tuple[ApiToken, str]:
    """A new token for staff; returns the row and the secret (never stored). Caller commits."""
    name = name.strip()
    if not name:
        raise AccountError(_l("Give the token a name."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise AccountError(_l("Use at most %(n)d characters.", n=NAME_MAX_LENGTH), field="name")
    if created_by is not None and not created_by.can("api.tokens"):
        raise AccountError(_l("You are not allowed to do that."), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(
        name=name,
        token_hash=digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(token)
    db.session.flush()
    events.queue_audit(created_by.id if created_by else None, "api_token.create", "api_token",
                       token.id, after={"name": name, "prefix": token.prefix})  # fmt: skip
    return token, secret


def revoke_token(token: ApiToken, by: User | None = None, at: datetime | None = None) -> bool:
    """Revoke a token; False if it was already revoked. Caller commits.

    One conditional UPDATE: of two clicks at once, the second waits for the first's row
    lock, then finds the token revoked, and writes no second audit row.
    """
    when = at or now_utc()
    revoked = db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=when)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(token, ["revoked_at"])
    if revoked != 1:
        return False
    events.queue_audit(by.id if by else None, "api_token.revoke", "api_token", token.id,
                       before={"name": token.name, "prefix": token.prefix})  # fmt: skip
    return True


def authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret (its last use noted), or None. Caller commits."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = now_utc()
    last = token.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return token


def creator_may(token: ApiToken, *capabilities: str) -> bool:
    """Whether ``token`` may act where ``capabilities`` are needed, now.

    A token acts with its creator's current capabilities: it stops working when they
    are demoted, suspended or deactivated (and goes with them when they are removed).
    A token made with `tribune tokens create` has no creator: it is the operator's.
    """
    if token.created_by_id is None:
        return True
    creator = db.session.get(User, token.created_by_id)
    if creator is None or not creator.active:
        return False
    return all(creator.can(capability) for capability in capabilities)


def list_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())))


def tokens_with_owners() -> list[tuple[ApiToken, User | None]]:
    """Every token of the community, newest first, with the member it acts for (None: the
    operator's, made with `tribune tokens create`), in one query."""
    query = (
        select(ApiToken, User)
        .outerjoin(User, User.id == ApiToken.created_by_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [(token, owner) for token, owner in db.session.execute(query)]


def token_by_id(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)


def token_by_name(name: str) -> ApiToken | None:
    """The newest active token with this name."""
    return db.session.scalar(
        select(ApiToken)
        .where(ApiToken.name == name.strip(), ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id.desc())
    )
