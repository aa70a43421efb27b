"""Template filters shared by every package: localized dates and numbers, slugs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    format_timedelta,
    get_locale,
)
from markupsafe import Markup

from app.core.clock import now_utc
from app.core.text import excerpt


def slugify(text: str, max_length: int = 60) -> str:
    """An ASCII URL fragment from a title ("Où est l'été ?" -> "ou-est-l-ete")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "topic"


def ago(value: datetime | None) -> str:
    """'3 hours ago' / 'il y a 3 heures'."""
    if value is None:
        return ""
    return format_timedelta(value - now_utc(), add_direction=True, threshold=0.9)


# What higher packages show beside an author's name (the level, a status), without the
# forum knowing about them. Each function takes the member and returns safe HTML.
_AUTHOR_DECORATIONS: dict[str, Callable[[Any], str]] = {}


def register_author_decoration(name: str, render: Callable[[Any], str]) -> None:
    _AUTHOR_DECORATIONS[name] = render


def author_extras(user: Any) -> Markup:
    return Markup("").join(Markup(render(user)) for render in _AUTHOR_DECORATIONS.values())


# Links higher packages add to the main menu: (order, endpoint, label), label lazily translated.
_NAV_LINKS: dict[str, tuple[int, str, Any]] = {}


def register_nav_link(order: int, endpoint: str, label: Any) -> None:
    _NAV_LINKS[endpoint] = (order, endpoint, label)


def nav_links() -> list[tuple[str, Any]]:
    return [(endpoint, label) for _order, endpoint, label in sorted(_NAV_LINKS.values())]


def init_app(app: Flask) -> None:
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
    app.jinja_env.filters["excerpt"] = excerpt
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["slugify"] = slugify
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
