"""How many failed logins an address and an account may have before a 429.

Only failures count (a login page shown again with an error, a 422): members who log
in successfully never use up their tries. Two limits apply to each attempt:

- per address, LOGIN_LIMIT_PER_IP (one machine guessing many accounts);
- per account, LOGIN_LIMIT_PER_ACCOUNT (many machines guessing one account), keyed on
  the account the login names, however it is typed (username or email, any case); a
  login naming nobody is keyed on its normalized text.

Someone guessing one member's password would otherwise lock that member out as long as
the guessing goes on. So a browser that has logged into an account before carries a
signed device cookie naming it, and that browser's failures are counted apart from
everyone else's (a "device cookie", as OWASP describes it): the member's own browsers
keep their tries while strangers use up theirs. A new browser of the member waits like
a stranger, or sets a new password through the emailed link.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, g, request
from flask.wrappers import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.accounts.services import account_id_for_login, login_key

DEVICE_COOKIE = "tribune_device"
_SALT = "tribune.login-device"
MAX_LOGIN_LENGTH = 254  # the login form's own limit


def failed(response: Response) -> bool:
    """Whether a login attempt failed: only failures count towards the limits."""
    return response.status_code == 422


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def _device_of(account_id: int) -> str | None:
    """The id of this browser if it has logged into ``account_id`` before."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    max_age = int(current_app.config["LOGIN_DEVICE_DAYS"]) * 86400
    try:
        data: Any = _serializer().loads(cookie, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("account") != account_id:
        return None
    device = data.get("device")
    return device if isinstance(device, str) else None


def account_key() -> str:
    """The per-account limit's key for this attempt (Flask-Limiter's key_func)."""
    key = g.get("login_account_key")
    if key is None:
        key = g.login_account_key = _account_key(request.form.get("login") or "")
    return key


def _account_key(typed: str) -> str:
    text = login_key(typed)
    # Never a lookup that could fail (a key function's error reads as a storage failure
    # to Flask-Limiter): too long or control characters are refused by the form anyway.
    if len(text) > MAX_LOGIN_LENGTH or any(ord(c) < 32 or c == "\x7f" for c in text):
        return f"login-unknown:{text[:MAX_LOGIN_LENGTH]!r}"
    account_id = account_id_for_login(text)
    if account_id is None:
        return f"login-unknown:{text}"
    device = _device_of(account_id)
    return f"login-account:{account_id}" + (f":device:{device}" if device else "")


def remember_device(response: Response, account_id: int) -> None:
    """After a successful login: this browser's failures count apart from now on."""
    device = _device_of(account_id) or secrets.token_urlsafe(12)
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps({"account": account_id, "device": device}),
        max_age=int(current_app.config["LOGIN_DEVICE_DAYS"]) * 86400,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
