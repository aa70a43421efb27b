"""Error pages: every failure a user can cause is a clear 4xx page, never a 500."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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


def render_error(code: int, message: str | None = None) -> tuple[str, int]:
    text = message or _messages().get(code) or _("Error")
    return render_template("errors/error.html", code=code, title=_title(code), message=text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400, _("Your form expired or was sent from elsewhere. Reload the page and retry.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        code = error.code or 500
        if code < 400:
            return error
        return render_error(code)

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        return render_error(500)
