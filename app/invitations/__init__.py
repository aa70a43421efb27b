"""Campaigns for brand staff: events, previews, surveys, workshops and offers.

The top of the house with interchange and demo: it may use ambassadors, badges,
moderation, forum, accounts and core; nothing imports it. This round holds the domain
core (models, audience, sending, replies, offer codes, surveys, opt-outs, jobs) and the
staff console under /staff (staff_views.py, staff_audience.py, staff_content.py).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _


def _title(data: dict[str, Any]) -> str:
    language = str(get_locale() or "")
    preferred = data.get(f"title_{language}") or ""
    return preferred or data.get("title_en") or data.get("title_fr") or ""


def _notification_kinds(app: Flask) -> None:
    from app.core.notifications import register_kind

    register_kind(
        app, "invitations.invited", lambda data: _("You are invited: %(title)s", title=_title(data))
    )
    register_kind(
        app,
        "invitations.promoted",
        lambda data: _("A seat is yours: %(title)s", title=_title(data)),
    )
    register_kind(app, "invitations.cancelled",
                  lambda data: _("Cancelled: %(title)s", title=_title(data)))  # fmt: skip


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.core.places import register_link

    # models: the tables; staff_audience and staff_content: pages of the staff blueprint.
    from app.invitations import (  # noqa: F401
        jobs,
        models,
        results_views,
        staff_audience,
        staff_content,
        staff_views,
    )

    app.register_blueprint(results_views.blueprint)
    jobs.register(app)
    _notification_kinds(app)
    app.register_blueprint(staff_views.blueprint)
    # The menu's staff entry for brand staff (moderators keep their queue, order 10).
    register_link(app, "chrome.staff", 15, "staff.campaigns_list", _l("Campaigns"),
                  ("campaign.send",))  # fmt: skip
    register_link(app, "manage.menu", 50, "staff.campaigns_list", _l("Campaigns"),
                  ("campaign.send",))  # fmt: skip
