"""The editor's helpers: the preview of a post as it will be saved, and tag suggestions.

The preview answers with an HTML fragment that htmx puts beside the editor (the
editor's own Preview button, without JavaScript, posts the whole form to its page
instead: ``preview_of``). Errors are fragments too, with a 4xx status that
static/js/tribune.js swaps into place. Drafts and the warning before leaving a page
are the browser's (static/js/editor.js); a page that saved a post says so with the
``tribune_posted`` cookie, which the script reads to forget the draft.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.core.permissions import requires
from app.extensions import limiter
from app.forum.errors import ForumError
from app.forum.pages.forms import PreviewForm
from app.forum.services import preview_body
from app.forum.tags import parse_tags, suggest_tags

blueprint = Blueprint("editor", __name__)

POSTED_COOKIE = "tribune_posted"
_LAST_TAG = re.compile(r"(.*[\s,])?([^\s,]*)", re.DOTALL)
_POSTED_KEEP = 20  # drafts named at most in the cookie (a member posts one at a time)


def _preview_limit() -> str:
    return current_app.config["PREVIEW_LIMIT_PER_USER"]


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else str(request.remote_addr)


def _fragment(status: int, html: Markup | None = None, error: str | None = None) -> Response:
    page = render_template("forum/_preview.html", html=html, error=error)
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/editor/preview")
@requires("post.create")
@limiter.limit(_preview_limit, key_func=_user_key)
def preview() -> Response:
    """The body as the saved post will show it: the same cooking, mentions included."""
    form = PreviewForm()
    if not form.validate_on_submit():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        return _fragment(422, error=str(errors[0]) if errors else _("Nothing to preview."))
    try:
        html = preview_body(form.body.data or "", form.body_format.data or "markdown")
    except ForumError as error:
        return _fragment(error.status, error=str(error.message))
    return _fragment(200, html=Markup(html))  # cooked, sanitized by nh3


def preview_of(form: Any, body_format: str = "markdown") -> Markup | None:
    """For an editor page whose Preview button was pressed (no JavaScript): the cooked
    body, with an error on the body field when it cannot be previewed; None otherwise."""
    if "preview" not in request.form:
        return None
    try:
        return Markup(preview_body(form.body.data or "", body_format))
    except ForumError as error:
        form.body.errors = [*form.body.errors, str(error.message)]
        return Markup("")


@blueprint.get("/editor/tags")
@login_required
def tags() -> Response:
    """Existing tags completing the last one typed (a <datalist>'s options)."""
    typed = request.args.get("tags", "")[:300]
    # What comes before the tag being typed stays as it was typed: each option is the
    # whole field completed, which is what a <datalist> matches and fills in.
    split = _LAST_TAG.fullmatch(typed)
    lead, last = (split.group(1) or "", split.group(2)) if split else ("", "")
    try:
        kept = parse_tags(lead)
    except ForumError:
        kept = []
    found = suggest_tags(current_user, last, leave_out=kept)
    page = render_template("forum/_tag_options.html", found=found, lead=lead)
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def mark_posted(response: Response, draft: str) -> Response:
    """Tell the member's browser that the form ``draft`` was saved: its draft is forgotten."""
    known = [d for d in request.cookies.get(POSTED_COOKIE, "").split("|") if d and d != draft]
    value = "|".join([*known[-(_POSTED_KEEP - 1) :], draft])
    response.set_cookie(
        POSTED_COOKIE,
        value,
        max_age=7 * 24 * 3600,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=False,  # editor.js reads it, and clears it
        samesite="Lax",
    )
    return response
