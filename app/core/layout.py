"""The page around every page: header, menu, messages, footer (templates/layout.html).

It is a cached part (app/core/parts.py), the same for every reader with the same
language and the same links in the menu; per request, holes carry the page's title and
content, this request's messages, the CSRF token, the unread count, the member's name
and the links back to this page. Pages rendered with templates extend base.html, which
calls page(); pages rendered from parts call it from Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, get_flashed_messages, get_template_attribute, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.core import parts
from app.core.templating import current_locale


@dataclass(frozen=True)
class ChromeReader(parts.Reader):
    """The menu shows Manage (the queue, or the console) or Review to those who may."""

    CAPABILITIES = frozenset({"manage.access", "flag.review", "post.review_first"})


LAYOUT = parts.Part("layout", "layout.html", ChromeReader)


def page(title: str, content: str) -> Markup:
    """A whole page: ``title`` (text, or Markup) and ``content`` (Markup) in the layout."""
    user = current_user
    member = user.is_authenticated
    reader = ChromeReader.of(user if member else None)
    return LAYOUT.render(
        reader,
        None,
        {},
        title=title,
        content=content,
        notices=_notices,
        csrf=generate_csrf,
        search=_search,
        login=login_url,
        next=lambda: request.full_path if request.method == "GET" else "/",
        fr=lambda: url_for("i18n.choose_language", locale="fr", next=request.full_path),
        en=lambda: url_for("i18n.choose_language", locale="en", next=request.full_path),
        me=lambda: user.username,
        me_url=lambda: url_for("accounts.profile", username=user.username),
        bell_label=lambda: _bell_label(user.unread_notifications, current_locale()),
        bell_count=lambda: _bell_count(user.unread_notifications),
    )


def login_url() -> str:
    """The login page, coming back here after."""
    return url_for("accounts.login", next=request.path)


def _search() -> str:
    return request.args.get("q", "") if request.endpoint == "forum.search" else ""


def _notices() -> Markup:
    """A suspended member's notice and this request's flash messages (rarely any)."""
    user = current_user
    suspended = user.is_authenticated and user.suspended_until is not None
    messages = get_flashed_messages(with_categories=True)
    if not suspended and not messages:
        return Markup("")
    return Markup(get_template_attribute("_notices.html", "notices")(user, messages))


@lru_cache(maxsize=256)
def _bell_label(unread: int, locale: str) -> str:
    # ``locale`` keys the cache; ngettext reads the same language from the request.
    return ngettext("%(num)d unread notification", "%(num)d unread notifications", unread)


def _bell_count(unread: int) -> Markup:
    return Markup('<span class="count">{}</span>').format(unread) if unread else Markup("")


def init_app(app: Flask) -> None:
    parts.register(app, LAYOUT)
    app.jinja_env.globals["page_layout"] = page
