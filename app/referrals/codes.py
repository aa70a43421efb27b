"""Members' referral codes, and the keyed hashes that stand for addresses and browsers."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import current_app
from sqlalchemy import select

from app.core.sql import insert_for
from app.extensions import db
from app.referrals.models import ReferralCode

# No 0/O, 1/l/I: a code read aloud or copied by hand is still right.
ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"
LENGTH = 8  # 32**8, about 10**12 codes: guessing one is hopeless at the link's rate limit
CODE_PATTERN = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def code_of(user_id: int) -> str | None:
    """The member's code, if they have one."""
    return db.session.scalar(select(ReferralCode.code).where(ReferralCode.user_id == user_id))


def ensure_code(user_id: int) -> str:
    """The member's code, made if they have none; the caller commits.

    One statement that skips a member who has one: two pages at once make one code. A
    new code that collides with another member's is drawn again."""
    for _attempt in range(5):
        statement = (
            insert_for(ReferralCode)
            .values(user_id=user_id, code=new_code())
            .on_conflict_do_nothing()
        )
        db.session.execute(statement)
        found = code_of(user_id)
        if found is not None:
            return found
    raise RuntimeError("could not draw a free referral code")  # 5 collisions in 10**12


def referrer_for(code: str) -> int | None:
    """The member whose code this is (None for a malformed or unknown code)."""
    code = code.lower()
    if not CODE_PATTERN.match(code):
        return None
    return db.session.scalar(select(ReferralCode.user_id).where(ReferralCode.code == code))


def keyed_hash(kind: str, value: str) -> str:
    """An HMAC of an address or a visitor id under the secret key: comparable, not readable."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"referrals:{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def canonical_email(email: str) -> str:
    """The mailbox an address reaches: lower case, without a +tag, and without the dots
    Gmail ignores, so alice+2@… and a.lice@gmail.com are Alice herself."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"
