"""Template filters shared by every package: localized dates and numbers, slugs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from babel.dates import format_timedelta as babel_format_timedelta
from babel.numbers import format_decimal as babel_format_decimal
from flask import Flask, current_app, g, url_for
from flask_babel import (
    format_date,
    format_datetime,
    format_percent,
    get_locale,
    gettext,
)
from markupsafe import Markup

from app.core.clock import now_utc
from app.core.permissions import role_label
from app.core.text import excerpt


def slugify(text: str, max_length: int = 60) -> str:
    """An ASCII URL fragment from a title ("Où est l'été ?" -> "ou-est-l-ete")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "topic"


_AGO_UNITS = (60, 3600, 86400, 30 * 86400, 365 * 86400)


@lru_cache(maxsize=4096)
def ago_text(seconds: int, locale: str) -> str:
    """The text for a delta from ago_bucket(), in ``locale`` (the request's language)."""
    if seconds == 0:
        return gettext("just now")
    return babel_format_timedelta(
        timedelta(seconds=seconds), add_direction=True, threshold=0.9, locale=locale
    )


def number(value: int | float) -> str:
    """A localized number ("1 234" in French); leaderboards show a hundred a page."""
    return _number(value, str(get_locale()))


@lru_cache(maxsize=8192)
def _number(value: int | float, locale: str) -> str:
    return babel_format_decimal(value, locale=locale)


def machine_time(value: datetime | date) -> str:
    """A ``<time datetime>`` value: a moment in UTC to the second (``2026-12-07T15:29:40Z``),
    short because a topic page carries fifty; a date as it is. Naive moments are UTC."""
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def ago_bucket(value: datetime) -> int:
    """The delta from now, rounded to the unit 'ago' will show (so equal buckets read alike)."""
    seconds = int((value - now_utc()).total_seconds())
    if abs(seconds) < 60:
        return 0  # "just now", rather than a count of seconds that changes every second
    unit = next(u for u in reversed(_AGO_UNITS) if abs(seconds) >= u * 0.9)
    return round(seconds / unit) * unit


def ago(value: datetime | None, locale: str | None = None) -> str:
    """'3 hours ago' / 'il y a 3 heures'.

    Pages show dozens of these; Babel's formatting is slow, so the delta is rounded to
    the unit that will be shown and the text cached per rounded delta and language.
    """
    if value is None:
        return ""
    return ago_text(ago_bucket(value), locale or str(get_locale()))


@dataclass
class PageExtras:
    """What higher packages add to the pages of one application (its registrations)."""

    # Shown beside an author's name (the level, a status), without the forum knowing
    # about them. Each function takes the member and returns safe HTML; it may depend
    # only on the member's id, username, points and role (and the language): cached
    # parts show it from their data (app/core/parts.py). A role change bumps the
    # revisions of the member's topics (forum/role_marks.py), so no page keeps the old mark.
    author_decorations: dict[str, Callable[[Any], str]] = field(default_factory=dict)
    # Where moderators read who hid or deleted a post and why (the moderation package's
    # log): an endpoint taking ``type`` and ``target`` query arguments, or None.
    post_trail: str | None = None
    # The main menu's links by endpoint: (order, endpoint, label lazily translated).
    nav_links: dict[str, tuple[int, str, Any]] = field(default_factory=dict)
    # The menu as every page shows it, per language: it changes with nothing else.
    nav_by_locale: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


_EXTRAS = "tribune.page_extras"


def page_extras(app: Flask | None = None) -> PageExtras:
    """The application's registrations (``app``, or the current one)."""
    app = app or current_app
    extras = app.extensions.get(_EXTRAS)
    if extras is None:
        extras = app.extensions[_EXTRAS] = PageExtras()
    return extras


def register_author_decoration(app: Flask, name: str, render: Callable[[Any], str]) -> None:
    page_extras(app).author_decorations[name] = render


def author_extras(user: Any) -> Markup:
    renders = page_extras().author_decorations.values()
    return Markup("").join(Markup(render(user)) for render in renders)


def register_post_trail(app: Flask, endpoint: str) -> None:
    page_extras(app).post_trail = endpoint


def post_trail_endpoint() -> str | None:
    return page_extras().post_trail


def register_nav_link(app: Flask, order: int, endpoint: str, label: Any) -> None:
    extras = page_extras(app)
    extras.nav_links[endpoint] = (order, endpoint, label)
    extras.nav_by_locale.clear()


def nav_links() -> list[tuple[str, str]]:
    """(URL, label) of the registered menu links, in the request's language."""
    extras = page_extras()
    locale = str(get_locale())
    links = extras.nav_by_locale.get(locale)
    if links is None:
        links = extras.nav_by_locale[locale] = [
            (url_for(endpoint), str(label))
            for _order, endpoint, label in sorted(extras.nav_links.values())
        ]
    return links


def current_locale() -> str:
    """The request's language code, looked up once per request (pages ask several times)."""
    locale = g.get("tribune_locale")
    if locale is None:
        locale = g.tribune_locale = str(get_locale())
    return locale


def init_app(app: Flask) -> None:
    page_extras(app)
    app.jinja_env.globals["author_extras"] = author_extras
    app.jinja_env.globals["nav_links"] = nav_links
    app.jinja_env.globals["format_percent"] = format_percent
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else ""
    )
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["machine_time"] = machine_time
    app.jinja_env.filters["excerpt"] = excerpt
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["slugify"] = slugify
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
