"""Session cookies verified, and CSRF tokens signed, once per distinct value per process.

A member's browser sends the same signed session cookie on every request until the
session changes, and each page carries a CSRF token signed from the same raw token in
that session. Checking the one HMAC and computing the other were a tenth of a member's
view of a topic, and neither result can change for the same value under the same
secret key, so each worker keeps both in a map bounded in bytes. The map's time-to-live bounds
how much older than its page a CSRF token may be (tokens do not expire by default:
WTF_CSRF_TIME_LIMIT); a cookie's own age is checked on every request, as Flask does.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from flask import Flask, Request, Response, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from app.core.page_cache import PageCache

# About 10,000 cookies or tokens (a cookie and its data weigh a few hundred bytes).
MAX_REMEMBERED_BYTES = 8 * 1024 * 1024
REMEMBER_SECONDS = 300


class RememberingSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, each distinct cookie's signature checked once."""

    def __init__(self) -> None:
        # (secret key, cookie) -> (when it was signed, its data as tagged JSON).
        self.verified = PageCache(MAX_REMEMBERED_BYTES, REMEMBER_SECONDS)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return super().open_session(app, request)
        max_age = app.permanent_session_lifetime.total_seconds()
        key = (app.secret_key, cookie)
        known = self.verified.get(key)
        if known is not None and time.time() - known[0] <= max_age:
            # Decoded anew each time: a session is changed in place by the request.
            return self.session_class(self.serializer.loads(known[1]))
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        try:
            data, signed_at = signer.loads(cookie, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        remembered = self.serializer.dumps(data)
        self.verified.set(key, (signed_at.timestamp(), remembered), _weight(cookie, remembered))
        return self.session_class(data)


def _weight(*texts: str) -> int:
    return sum(sys.getsizeof(text) for text in texts)


def _csrf_field(app: Flask) -> str:
    return app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def init_app(app: Flask) -> None:
    app.session_interface = RememberingSessionInterface()
    signed_tokens = PageCache(MAX_REMEMBERED_BYTES, REMEMBER_SECONDS)
    field = _csrf_field(app)

    @app.before_request
    def reuse_signed_csrf_token() -> None:
        # Flask-WTF's generate_csrf() signs the session's raw token unless g has it.
        raw = session.get(field)
        if raw is not None:
            signed = signed_tokens.get((app.secret_key, raw))
            if signed is not None:
                setattr(g, field, signed)

    @app.after_request
    def remember_signed_csrf_token(response: Response) -> Response:
        signed: Any = g.get(field)
        if signed is not None:  # this request showed a token
            key = (app.secret_key, session.get(field))
            if signed_tokens.get(key) != signed:  # signed by this request
                signed_tokens.set(key, signed, _weight(key[1] or "", signed))
        return response
