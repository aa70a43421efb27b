"""Points ledger, levels, badges, leaderboards, anti-gaming (listens to forum events)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.clock import now_utc


def record_visit() -> None:
    """One visit row per member per UTC day, written on the day's first request only.

    The member's row (loaded anyway) says when they were last seen; nothing is written
    again that day, whatever cookie the browser sends back.
    """
    from app.badges.models import MemberVisit
    from app.core.sql import insert_for
    from app.extensions import db

    if not current_user.is_authenticated:
        return
    now = now_utc()
    last_seen = current_user.last_seen_at
    if last_seen is not None and last_seen.date() == now.date():
        return
    db.session.execute(
        insert_for(MemberVisit)
        .values(user_id=current_user.id, day=now.date())
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
    )
    current_user.last_seen_at = now
    db.session.commit()


def init_app(app: Flask) -> None:
    from app.accounts.profile import register_section
    from app.badges import cli, jobs, listeners, profile, views
    from app.core.templating import register_author_decoration, register_nav_link

    app.register_blueprint(views.blueprint)
    listeners.connect()
    jobs.register(app)
    register_section(20, "badges/_profile_section.html", profile.section)
    register_author_decoration("level", profile.level_label)
    app.cli.add_command(cli.points_group, "points")
    app.before_request(record_visit)
    register_nav_link(20, "badges.board", _l("Leaderboard"))
    register_nav_link(30, "badges.index", _l("Badges"))
