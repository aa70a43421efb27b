"""WSGI entry point for the benchmark: a bare "hello" in front of Tribune.

``/__hello`` is answered by a few lines of WSGI, without Flask, by the same gunicorn
workers that serve the application: its rate is the ceiling the pages are compared to.
Everything else goes to ``create_app()``, configured by the TRIBUNE_* environment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from app import create_app

HELLO_PATH = "/__hello"
HELLO_BODY = b"hello"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class HelloInFront:
    """WSGI middleware: answer HELLO_PATH itself, pass every other request on."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HELLO_PATH:
            start_response(
                "200 OK",
                [("Content-Type", "text/plain"), ("Content-Length", str(len(HELLO_BODY)))],
            )
            return [HELLO_BODY]
        return self.app(environ, start_response)


flask_app = create_app()
application = HelloInFront(flask_app)
