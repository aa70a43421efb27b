"""Member visits: one row per member per UTC day, for the visit-streak badges."""

from __future__ import annotations

from datetime import datetime

from app.accounts.models import User
from app.badges.models import MemberVisit
from app.core.clock import now_utc
from app.core.sql import insert_for
from app.extensions import db


def record_visit(user: User, now: datetime | None = None) -> bool:
    """Note the member's visit today, once a day; True if anything was written.

    The member's row (loaded anyway) says when they were last seen; nothing is written
    again that day, whatever cookie the browser sends back. Caller commits.
    """
    now = now or now_utc()
    last_seen = user.last_seen_at
    if last_seen is not None and last_seen.date() == now.date():
        return False
    db.session.execute(
        insert_for(MemberVisit)
        .values(user_id=user.id, day=now.date())
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
    )
    user.last_seen_at = now
    return True
