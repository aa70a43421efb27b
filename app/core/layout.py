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
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    get_flashed_messages,
    get_template_attribute,
    request,
    url_for,
)
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.core import parts, places
from app.core.templating import current_locale


@dataclass(frozen=True, kw_only=True)
class ChromeReader(parts.Reader):
    """The menu's one staff entry: the first "chrome.staff" link (app/core/places.py) the
    member may follow, as (endpoint, label), or ()."""

    staff: tuple[str, ...]


LAYOUT = parts.Part("layout", "layout.html", ChromeReader)


def page(title: str, content: Markup | parts.Html, *, language_in_page: bool = False) -> parts.Html:
    """A whole page: ``title`` (text, or Markup) and ``content`` (Markup, or a filled
    part) in the layout; ``language_in_page``: the content has its own language choice,
    so the footer's is left out (one choice, one ``id="locale"``)."""
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    member = user.is_authenticated
    staff = places.links("chrome.staff")[:1] if member else []
    reader = ChromeReader.of(
        user if member else None,
        staff=(staff[0].endpoint, str(staff[0].label)) if staff else (),
    )
    return LAYOUT.render(
        reader,
        None,
        {},
        title=title,
        content=content,
        language={"footer": Markup("")} if language_in_page else {},
        notices=lambda: _notices(user),
        csrf=generate_csrf,
        search=_search,
        login=login_url,
        next=lambda: request.full_path if request.method == "GET" else "/",
        fr=lambda: _here("i18n.choose_language", "fr"),
        en=lambda: _here("i18n.choose_language", "en"),
        me=lambda: user.username,
        me_url=lambda: _profile_url(request.script_root, user.username),
        bell_label=lambda: _bell_label(user.unread_notifications, current_locale()),
        bell_count=lambda: _bell_count(user.unread_notifications),
    )


def login_url() -> str:
    """The login page, coming back here after."""
    return _link(request.script_root, places.place_endpoint("login"), None, request.path)


def _here(endpoint: str, locale: str) -> str:
    return _link(request.script_root, endpoint, locale, request.full_path)


@lru_cache(maxsize=4096)
def _link(script_root: str, endpoint: str, locale: str | None, next_path: str) -> str:
    # A visitor's page links to itself through the login and language links: built once
    # per page and prefix (``script_root``), not on every view.
    arguments = {"next": next_path} if locale is None else {"locale": locale, "next": next_path}
    return url_for(endpoint, **arguments)


@lru_cache(maxsize=4096)
def _profile_url(script_root: str, username: str) -> str:
    # The menu's link to the member's profile, on every member's page: built once per
    # member and prefix, as the login and language links are.
    return places.place_url("profile", username=username)


def _search() -> str:
    return request.args.get("q", "") if request.endpoint == places.place_endpoint("search") else ""


def _notices(user: Any) -> Markup:
    """A suspended member's notice and this request's flash messages (rarely any)."""
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


def bell_update(unread: int) -> Markup:
    """The header's bell and counts for ``unread`` notifications, out of band: what an
    instant "mark read" sends beside its own part, so the header follows at once."""
    label, count = _bell_label(unread, current_locale()), _bell_count(unread)
    bell = get_template_attribute("_macros/bell.html", "bell")
    menu_count = get_template_attribute("_macros/bell.html", "menu_count")
    return Markup("").join((bell(label, count, True), menu_count(count, True)))


def favicon() -> Response:
    """/favicon.ico, which browsers and feed readers ask for whatever the page says."""
    return current_app.send_static_file("favicon.ico")


def init_app(app: Flask) -> None:
    parts.register(app, LAYOUT)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    app.jinja_env.globals["page_layout"] = page
