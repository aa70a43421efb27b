"""The unsubscribe token of notification mail: which member, which email kinds.

Signed with SECRET_KEY under a salt of its own (itsdangerous, as the session and the
login limits are, each with its own salt), so it cannot pass for a session, a CSRF
token or any other signed value, and no other signed value passes for it. It carries
no date: mail clients and people use an unsubscribe link months later, and all it can
do is stop the mail it came with, which the member turns back on from the account
page. Rotating SECRET_KEY invalidates it, as it does every signed link.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from app.core.urls import external_url

_SALT = "tribune.notification-mail.unsubscribe"
MAX_TOKEN_LENGTH = 300


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt=_SALT)


def make(user_id: int, kinds: list[str]) -> str:
    """The token that stops these email kinds for this member."""
    return _serializer().dumps([user_id, sorted(set(kinds))])


def read(token: str) -> tuple[int, list[str]] | None:
    """(member id, email kinds) from a token; None for anything not signed by us."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        payload: Any = _serializer().loads(token)
    except (BadData, ValueError, UnicodeError):
        return None
    if not (isinstance(payload, list) and len(payload) == 2):
        return None
    user_id, kinds = payload
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**31:
        return None
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        return None
    return user_id, kinds


def unsubscribe_url(user_id: int, kinds: list[str]) -> str:
    """The absolute link (from BASE_URL, never the request's Host) of the token."""
    return external_url("notification_mail.unsubscribe", token=make(user_id, kinds))
