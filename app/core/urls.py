"""Paths to pages that work inside and outside a request (jobs, CLI, imports)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


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
