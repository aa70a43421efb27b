"""Error pages: every failure a user can cause is a clear 4xx page, never a 500.

Each error page rolls the session back before it renders: the request's transaction
may have failed (a refused write), and the page's own reads (the member, the bell)
would fail with it. When the database itself is away (connections refused, a full
disk, no connection left in the pool), or an error page cannot be rendered, a static
page answers 503 with Retry-After: it needs no database, no member and no template.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core import htmx
from app.core.teardown import rollback_quietly

log = logging.getLogger(__name__)

# What the database answers when it is away rather than when a statement is wrong.
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)
RETRY_AFTER_SECONDS = 120

UNAVAILABLE_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Tribune</title>
<link rel="stylesheet" href="{stylesheet}">
</head>
<body>
<main id="main">
<section class="error-page">
  <h1>503 · {title}</h1>
  <p>{message}</p>
</section>
</main>
</body>
</html>
"""


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Go back and try again."),
        403: _("You are not allowed to do that."),
        404: _("This page does not exist, or you may not see it."),
        405: _("This address does not accept that kind of request."),
        413: _("What you sent is too large."),
        429: _("Too many attempts. Wait a moment and try again."),
        500: _("Something went wrong on our side. It has been logged."),
    }


def _refusals() -> dict[int, str]:
    """What an instant action's refusal says: about the action, not a page."""
    return {
        **_messages(),
        401: _("You are logged out: log in again, then retry."),
        404: _("It was removed, or you may not see it."),
    }


def _title(code: int) -> str:
    return {
        400: _("Bad request"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        413: _("Too large"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
    }.get(code, _("Error"))


def render_error(code: int, message: str | None = None) -> tuple[str, int] | Response:
    """The error page for ``code``; the static 503 page if it cannot be rendered."""
    rollback_quietly()
    if code < 500 and htmx.requested():
        # An instant action (a vote, a follow) refused: its message, beside its button.
        return htmx.refusal(message or _refusals().get(code) or _("Error"), code)
    try:
        text = message or _messages().get(code) or _("Error")
        page = render_template("errors/error.html", code=code, title=_title(code), message=text)
    except Exception:
        log.exception("the %d page could not be rendered; the static page answers", code)
        return unavailable_page()
    return page, code


def unavailable_page() -> Response:
    """The static 503 page: no database, no member, no template, in the browser's language."""
    rollback_quietly()
    lang, title = "en", "Unavailable"
    message = "The site is unavailable for a moment. Try again in a few minutes."
    try:
        from app.core.i18n import browser_locale

        lang = browser_locale()
        with force_locale(lang):
            title = _("Unavailable")
            message = _("The site is unavailable for a moment. Try again in a few minutes.")
    except Exception:  # the page must answer: in English, then
        log.warning("the unavailable page could not find the browser's language", exc_info=True)
        lang = "en"
    page = UNAVAILABLE_PAGE.format(
        lang=escape(lang),
        title=escape(title),
        message=escape(message),
        stylesheet=escape(current_app.static_url_path + "/css/tribune.css"),
    )
    response = Response(page, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, UNAVAILABLE) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int] | Response:
        return render_error(
            400, _("Your form expired or was sent from elsewhere. Reload the page and retry.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | Response | HTTPException:
        code = error.code or 500
        if code < 400:
            return error
        if isinstance(error, RateLimitExceeded) and error.limit.error_message:
            # A limit that says what was refused (a search): its message, not the generic one.
            return render_error(code, str(error.description))
        return render_error(code)

    for unavailable in UNAVAILABLE:

        @app.errorhandler(unavailable)
        def database_unavailable(error: Exception) -> Response:
            log.error("the database is unavailable: %s", error, exc_info=error)
            return unavailable_page()

    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> tuple[str, int] | Response:
        if _database_unavailable(error.original_exception):
            return unavailable_page()
        return render_error(500)
