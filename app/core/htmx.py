"""Instant actions: what a view answers when htmx (static/js/tribune.js) sent the form.

Every form posts and redirects without JavaScript. With it, htmx sends the same form
with the ``HX-Request`` header, and the view answers with the part of the page that
changed (a post's buttons, the follow button) instead of a redirect. A refused action
answers with its status and a *refusal*, one ``<p role="alert">`` that tribune.js
places beside the button that was pressed, so a refusal is never a silent no-op. A
view that answers htmx as it answers a browser, with a redirect, sends the whole browser
there (``HX-Redirect``) instead of having its next page swapped into a part of this one.
"""

from __future__ import annotations

from flask import Flask, Response, request
from markupsafe import Markup


def requested() -> bool:
    """Whether htmx sent this request for a part of the page (not a whole-page boost)."""
    return request.headers.get("HX-Request") == "true" and "HX-Boosted" not in request.headers


def refusal(message: str, status: int) -> Response:
    """A refused action's answer to htmx: its message, announced where it happened."""
    body = Markup('<p class="refusal" role="alert">{}</p>').format(message)
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def fragment(html: str | Markup, status: int = 200) -> Response:
    """A part of the page for htmx to swap in; never cached by the browser."""
    response = Response(str(html), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    # The same address answers a whole page without htmx: caches must tell them apart.
    response.vary.add("HX-Request")
    return response


def _whole_page_redirect(response: Response) -> Response:
    if requested() and response.status_code in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        redirect = Response(status=200)
        redirect.headers["HX-Redirect"] = location
        redirect.headers["Cache-Control"] = "no-store"
        redirect.vary.add("HX-Request")
        for cookie in response.headers.getlist("Set-Cookie"):
            redirect.headers.add("Set-Cookie", cookie)
        return redirect
    return response


def init_app(app: Flask) -> None:
    app.after_request(_whole_page_redirect)
