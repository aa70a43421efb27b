"""Reply tokens and check-in codes that SQL can make, a hundred thousand at a time.

A reply link must carry a token that the database knows only by its SHA-256, and the
invitation, its hash and the email that holds the token are all written by INSERT ...
SELECT statements, without bringing members into Python. Random tokens cannot do
that: the one random value would have to reach two statements (the invitation's hash,
the email's text) while being stored in neither. So the token is *derived*:

    campaign key = HMAC-SHA256(SECRET_KEY, "tribune.invitations:" + campaign.token_salt)
    reply token  = HMAC-SHA256(campaign key, "reply:" + user id), 32 hex digits (128 bits)
    stored       = SHA-256(reply token)

Each statement recomputes the same token from the member's id: the invitation row
stores its hash, the outbox row's text holds the link. The salt is random per campaign
and the key needs SECRET_KEY, which the database never holds, so a copy of the
database yields no working link (apart from the outbox's own email texts, which hold
links exactly as password-reset emails do). A token is bound to one invitation (its
hash is unique, and to one campaign through the key); the same member's token for
another campaign is another token. A reminder can send the same link again, and the email's
unsubscribe link and List-Unsubscribe header carry the same token (one HMAC per email,
used by its text, HTML and headers).

PostgreSQL computes HMAC with its built-in sha256() (HMAC is two nested hashes over
the key padded with 0x36 and 0x5c, pads computed here); SQLite calls two small Python
functions registered on the connection. The check-in code is the member's id and 10 hex
digits of HMAC(campaign key, "checkin:" + user id), "4711-3fa9c0d2e1", stored as it
is: it is shown at the door and only lets staff mark attendance. Staff's scan finds the
invitation through the (member, campaign) key and compares the code, so the code needs
no index of its own (a send's rows update one random-keyed index less).

Rotating SECRET_KEY invalidates the links of campaigns sent before, as it does every
signed link.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import LargeBinary, String, Text, cast, func, literal

from app.core.sql import dialect
from app.extensions import db

TOKEN_LENGTH = 32
CHECKIN_LENGTH = 10
TOKEN_RE = re.compile(rf"^[0-9a-f]{{{TOKEN_LENGTH}}}$")
CHECKIN_RE = re.compile(rf"^([1-9][0-9]{{0,9}})-[0-9a-f]{{{CHECKIN_LENGTH}}}$")
REPLY, CHECKIN = "reply", "checkin"
_BLOCK = 64  # SHA-256's block size in bytes


def new_salt() -> str:
    """A campaign's salt, drawn once when the campaign is created."""
    return secrets.token_hex(16)


def campaign_key(salt: str) -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"tribune.invitations:" + salt.encode(), hashlib.sha256).digest()


def _length(purpose: str) -> int:
    return TOKEN_LENGTH if purpose == REPLY else CHECKIN_LENGTH


def derive(key: bytes, purpose: str, user_id: int) -> str:
    """The token (or code) of one member for one campaign, as SQL computes it."""
    message = f"{purpose}:{user_id}".encode()
    derived = hmac.digest(key, message, "sha256").hex()[: _length(purpose)]
    return f"{user_id}-{derived}" if purpose == CHECKIN else derived


def checkin_member(code: str) -> int | None:
    """The member id a check-in code starts with, or None for a code of another shape."""
    match = CHECKIN_RE.match(code)
    return int(match.group(1)) if match else None


def digest(token: str) -> str:
    """What is stored for a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_well_formed(token: str) -> bool:
    return bool(TOKEN_RE.match(token))


# -- the same in SQL --------------------------------------------------------------------


def derive_sql(key: bytes, purpose: str, user_id_column: Any) -> Any:
    """An SQL expression equal to ``derive(key, purpose, <the row's user id>)``."""
    length = _length(purpose)
    message = literal(f"{purpose}:", String) + cast(user_id_column, Text)
    if dialect() == "postgresql":
        padded = key.ljust(_BLOCK, b"\0")  # keys are 32 bytes: never longer than a block
        inner_pad = bytes(b ^ 0x36 for b in padded)
        outer_pad = bytes(b ^ 0x5C for b in padded)
        utf8 = func.convert_to(message, literal("UTF8"), type_=LargeBinary)
        inner = func.sha256(
            literal(inner_pad, LargeBinary).op("||", return_type=LargeBinary)(utf8),
            type_=LargeBinary,
        )
        outer = func.sha256(
            literal(outer_pad, LargeBinary).op("||", return_type=LargeBinary)(inner),
            type_=LargeBinary,
        )
        full = func.encode(outer, literal("hex"), type_=String)
    else:
        _sqlite_functions()
        full = func.tribune_hmac_hex(literal(key, LargeBinary), message, type_=String)
    derived = func.substr(full, 1, length, type_=String)
    if purpose == CHECKIN:
        return cast(user_id_column, Text) + literal("-", String) + derived
    return derived


def digest_sql(expression: Any) -> Any:
    """An SQL expression equal to ``digest(<expression>)``."""
    if dialect() == "postgresql":
        utf8 = func.convert_to(expression, literal("UTF8"), type_=LargeBinary)
        return func.encode(func.sha256(utf8, type_=LargeBinary), literal("hex"), type_=String)
    _sqlite_functions()
    return func.tribune_sha256_hex(expression, type_=String)


def _hmac_hex(key: bytes, message: str) -> str:
    # hmac.digest: OpenSSL's one-shot HMAC, without the Python object (called per row).
    return hmac.digest(key, message.encode(), "sha256").hex()


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _sqlite_functions() -> None:
    """Register the two functions on this session's SQLite connection, once per connection.

    (Redefining a function while a statement is running is an error in SQLite, so the
    connection's info remembers that it was done.)"""
    fairy = db.session.connection().connection
    if fairy.info.get("tribune.invitations.functions"):
        return
    raw = fairy.dbapi_connection
    assert raw is not None
    raw.create_function("tribune_hmac_hex", 2, _hmac_hex, deterministic=True)
    raw.create_function("tribune_sha256_hex", 1, _sha256_hex, deterministic=True)
    fairy.info["tribune.invitations.functions"] = True
