"""Paths to pages that work inside and outside a request (jobs, CLI, imports)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, has_request_context, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import BadHost, SecurityError


def path_for(endpoint: str, **values: Any) -> str:
    """The site-relative path of a page, e.g. "/p/42"; needs no SERVER_NAME."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return adapter.build(endpoint, values)


def safe_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default``: never an open redirect.

    Control characters and backslashes are refused too: browsers and Werkzeug drop or
    rewrite them, turning "/\t/evil.example" into "//evil.example".
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of a page for links that leave the site (mail, exports, API).

    Built from BASE_URL alone, inside a request as outside: the request's Host header
    is the client's to choose, so a link built from it could point anywhere.
    """
    parts = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def init_app(app: Flask) -> None:
    @app.errorhandler(SecurityError)
    @app.errorhandler(BadHost)
    def untrusted_host(error: SecurityError | BadHost) -> Response:
        # A Host outside TRUSTED_HOSTS, or one that is no host name (a label over 63
        # characters): the request has no URL adapter, so the usual error page (which
        # links to the site's pages) cannot be built. Plain text.
        return Response(_("This site does not answer to that address."), 400, mimetype="text/plain")

    def host_first() -> None:
        # Answered before anything else runs: a CSRF or rate-limit error page would need
        # the URL adapter this request does not have.
        if isinstance(request.routing_exception, SecurityError | BadHost):
            raise request.routing_exception

    app.before_request_funcs.setdefault(None, []).insert(0, host_first)
