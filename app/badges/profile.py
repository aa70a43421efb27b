"""The badges package's part of a member's profile, and the level beside author names."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.accounts.models import User
from app.badges.levels import level_for
from app.badges.queries import member_badges


def section(member: User) -> dict[str, Any]:
    level = level_for(member.points)
    return {
        "points": member.points,
        "level": level,
        "progress": level.progress(member.points),
        "badges": member_badges(member.id),
    }


def level_label(user: Any) -> str:
    """A small level tag beside an author's name; no query (points are on the member row)."""
    points = getattr(user, "points", None)
    if points is None:
        return ""
    level = level_for(points)
    title = _("%(level)s · %(points)s points", level=level.name, points=points)
    return Markup(' <span class="level level-{n}" title="{t}">{name}</span>').format(
        n=level.number, t=title, name=escape(level.name)
    )
