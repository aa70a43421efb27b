"""Security headers on every response: pages, error pages, static files.

The Content-Security-Policy forbids inline script, plugins and framing (clickjacking:
the moderation pages are one-click forms) and sends forms only back to Tribune. Pages
carry no script and no inline style of their own; posts may hold a table, whose column
alignment markdown-it writes as one of three ``style="text-align:..."`` attributes,
so exactly those three are allowed by hash ('unsafe-hashes') and any other inline
style (an imported post's, say) is refused. Posts may embed images from any https
address (the sanitizer keeps ``<img src="https://...">``, and there is no upload):
``CSP_IMG_SRC`` narrows that.
"""

from __future__ import annotations

import base64
import hashlib

from flask import Flask, Response

# What markdown-it's table rendering puts in th/td style attributes (app/core/text.py).
TABLE_ALIGNMENT_STYLES = ("text-align:left", "text-align:right", "text-align:center")


def _style_hash(declaration: str) -> str:
    digest = hashlib.sha256(declaration.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def content_security_policy(img_src: str) -> str:
    """The policy sent with every response (``img_src``: the CSP_IMG_SRC setting)."""
    styles = " ".join(_style_hash(style) for style in TABLE_ALIGNMENT_STYLES)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": f"'self' 'unsafe-hashes' {styles}",
        "img-src": img_src,
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def init_app(app: Flask) -> None:
    headers = {
        "Content-Security-Policy": content_security_policy(app.config["CSP_IMG_SRC"]),
        "X-Frame-Options": "DENY",  # frame-ancestors, for browsers without CSP 2
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": app.config["REFERRER_POLICY"],
    }
    if app.config["STRICT_TRANSPORT_SECURITY"]:
        headers["Strict-Transport-Security"] = app.config["STRICT_TRANSPORT_SECURITY"]

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
