"""The badges package's part of a member's profile and user card, and the level beside
author names."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup, escape

from app.accounts.models import User
from app.badges.levels import NAMES, level_for
from app.badges.queries import member_badges


def section(member: User) -> dict[str, Any]:
    level = level_for(member.points)
    return {
        "points": member.points,
        "level": level,
        "progress": level.progress(member.points),
        "badges": member_badges(member.id),
    }


# A card shows the best few badges; the profile lists them all.
CARD_BADGES = 5


def card_section(member: User) -> dict[str, Any]:
    """Points and the best badges for the user card (its name carries the level): one query."""
    badges = member_badges(member.id)
    return {
        "points": member.points,
        "badges": badges[:CARD_BADGES],
        "more_badges": max(0, len(badges) - CARD_BADGES),
    }


def level_label(user: Any) -> str:
    """A small level tag beside an author's name; no query (points are on the member row)."""
    points = getattr(user, "points", None)
    if points is None:
        return ""
    return level_tag(points)


def level_tag(points: int) -> Markup:
    """The level tag of a member with ``points`` in all, in the request's language."""
    return _level_tag(level_for(points).key, str(get_locale()))


@lru_cache(maxsize=64)
def _level_tag(key: str, locale: str) -> Markup:
    """The tag of one level in one language: a topic page shows fifty of them."""
    levels = [k for k, _threshold in current_app.config["LEVELS"]]
    number = levels.index(key) + 1
    name = escape(str(NAMES.get(key, key)))
    return Markup(' <span class="level level-{n}">{name}</span>').format(n=number, name=name)
