"""Template filters shared by every package: localized dates and numbers, slugs."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from flask import Flask
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_timedelta,
    get_locale,
)

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


def init_app(app: Flask) -> None:
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
