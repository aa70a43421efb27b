"""The ambassadors package's part of a member's profile."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_login import current_user

from app.accounts.models import User
from app.ambassadors.models import EngagementScore
from app.ambassadors.queries import latest_run
from app.ambassadors.services import status_of
from app.extensions import db


def section(member: User) -> dict[str, Any]:
    """Public status when the community shows it; the member and moderators always see it."""
    row = status_of(member.id)
    is_ambassador = row is not None and row.status == "ambassador"
    viewer = current_user if current_user.is_authenticated else None
    own = viewer is not None and viewer.id == member.id
    manager = viewer is not None and viewer.can("ambassador.view")
    public = bool(current_app.config["AMBASSADOR_STATUS_PUBLIC"])
    score = None
    if own or manager:
        run = latest_run()
        score = db.session.get(EngagementScore, (run.id, member.id)) if run else None
    return {
        "score": score,
        "in_grace": is_ambassador and row is not None and row.grace_until is not None,
        "show_mark": is_ambassador and (public or own or manager),
        "own": own,
        "manager": manager,
        "username": member.username,
    }
