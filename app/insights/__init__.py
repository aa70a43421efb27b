"""The community-health dashboard for community managers and brand staff (/manage/health).

A sibling of invitations (level 6): it reads the forum's, moderation's and the
ambassadors' tables in a nightly job (jobs.py: summary.py and runs.py, set-based SQL)
into small summary tables (models.py), which the page (views.py, queries.py) alone reads.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.core.places import register_link
    from app.insights import jobs, models, views  # noqa: F401  (models: the tables)

    jobs.register(app)
    app.register_blueprint(views.blueprint)
    register_link(app, "staff.menu", 10, "insights.health", _l("Community health"),
                  ("health.view",))  # fmt: skip
    register_link(app, "manage.menu", 45, "insights.health", _l("Community health"),
                  ("health.view",))  # fmt: skip
