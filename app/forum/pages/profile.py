"""The forum's part of a member's profile page."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.accounts.models import User
from app.forum.pages import queries


def section(member: User) -> dict[str, Any]:
    viewer = current_user if current_user.is_authenticated else None
    return {
        "stats": queries.member_stats(member.id),
        "recent": queries.recent_posts(viewer, member.id),
    }
