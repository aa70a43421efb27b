"""Points ledger, levels, badges, leaderboards, anti-gaming (listens to forum events)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from app.accounts.profile import register_card_section, register_section
    from app.badges import awards, cli, jobs, listeners, profile, views
    from app.core.notifications import EmailKind, register_email_kind, register_kind
    from app.core.places import register_link
    from app.core.templating import register_author_decoration, register_nav_link

    app.register_blueprint(views.blueprint)
    listeners.connect(app)
    jobs.register(app)
    register_kind(app, "badges.awarded", awards.notification_text)
    # By email in the daily digest unless the member chooses: a badge is good news, not
    # news that waits for an answer, and a new member's first days earn several.
    register_email_kind(
        app, EmailKind("badges", ("badges.awarded",), _l("Badges I earn"), "digest", 50)
    )
    register_section(app, 20, "badges/_profile_section.html", profile.section)
    register_card_section(app, 20, "badges/_card_section.html", profile.card_section)
    register_author_decoration(app, "level", profile.level_label)
    app.cli.add_command(cli.points_group, "points")
    register_nav_link(app, 20, "badges.board", _l("Leaderboard"))
    register_nav_link(app, 30, "badges.index", _l("Badges"))
    register_link(app, "admin.hub", 10, "badges.point_rules", _l("Point values"),
                  ("settings.manage",),
                  _l("How many points each kind of help earns."))  # fmt: skip
