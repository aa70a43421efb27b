"""Addresses of Tribune's own static files, with their content's fingerprint.

A script or style sheet of ours is linked as ``/static/js/tribune.js?v=<fingerprint>``:
a changed file gets a new address, so browsers fetch it again instead of running an old
copy beside new pages, and an unchanged one stays cached. Vendored libraries
(static/vendor) carry their version instead, which their README names.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, url_for

from app.core import parts


@lru_cache(maxsize=64)
def _fingerprint(path: str, modified: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """The address of static/``filename`` with ``?v=`` its content's fingerprint."""
    path = Path(current_app.static_folder or "") / filename
    version = _fingerprint(str(path), path.stat().st_mtime) if path.is_file() else "0"
    return f"{url_for('static', filename=filename)}?v={version}"


def init_app(app: Flask) -> None:
    app.jinja_env.globals["static_url"] = static_url
    parts.add_global(app, "static_url", static_url)
