"""Points ledger, levels, badges, leaderboards, anti-gaming (listens to forum events)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


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
    register_nav_link(20, "badges.board", _l("Leaderboard"))
    register_nav_link(30, "badges.index", _l("Badges"))
