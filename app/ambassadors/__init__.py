"""Engagement scores, the nightly ambassador job, statuses, helper grants, signals, segments.

Ambassadors sit above badges and moderation: they grant badges through the badges
package and write the audit log through moderation; neither imports this package.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


def _notification_kinds(app: Flask) -> None:
    from app.core.notifications import register_kind

    register_kind(
        app,
        "ambassadors.promoted",
        lambda data: _("You are now an ambassador: thank you for helping the community."),
    )
    register_kind(
        app, "ambassadors.demoted", lambda data: _("Your ambassador status has ended for now.")
    )
    register_kind(
        app,
        "ambassadors.grace",
        lambda data: _("You left the top contributors: you stay an ambassador for a while."),
    )


def init_app(app: Flask) -> None:
    from app.accounts.profile import register_section
    from app.ambassadors import api, cli, jobs, marks, models, profile, views  # noqa: F401
    from app.core.places import register_link
    from app.core.templating import register_author_decoration

    app.register_blueprint(views.blueprint)
    app.register_blueprint(api.blueprint)
    cli.init_app(app)
    jobs.register(app)
    _notification_kinds(app)
    register_section(app, 30, "ambassadors/_profile_section.html", profile.section)
    register_author_decoration(app, "ambassador", marks.ambassador_mark)
    register_link(app, "chrome.staff", 20, "ambassadors.console", _l("Manage"), ("manage.access",))
    register_link(app, "manage.menu", 20, "ambassadors.console", _l("Ambassadors"))
    register_link(app, "moderation.member", 10, "ambassadors.member", _l("Ambassador status"),
                  ("ambassador.view",))  # fmt: skip
