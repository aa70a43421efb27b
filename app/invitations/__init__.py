"""Campaigns for brand staff: events, previews, surveys, workshops and offers.

The top of the house with interchange and demo: it may use ambassadors, badges,
moderation, forum, accounts and core; nothing imports it. This round holds the domain
core (models, audience, sending, replies, offer codes, surveys, opt-outs, jobs), the
staff console under /staff (staff_views.py, staff_audience.py, staff_content.py,
results_views.py) and the members' pages (member_views.py, link_views.py for the
emailed links).
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


def _audit_labels(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.invitations import audit_terms
    from app.moderation.log_labels import register_action_labels

    audit_terms.register(app)
    register_action_labels(app, {
        "campaign.create": _l("Campaign created"),
        "campaign.edit": _l("Campaign edited"),
        "campaign.audience": _l("Campaign audience changed"),
        "campaign.list": _l("Campaign member list uploaded"),
        "campaign.codes": _l("Offer codes uploaded"),
        "campaign.schedule": _l("Campaign scheduled"),
        "campaign.unschedule": _l("Campaign unscheduled"),
        "campaign.send": _l("Campaign sent"),
        "campaign.remind": _l("Campaign reminder sent"),
        "campaign.close": _l("Campaign closed"),
        "campaign.cancel": _l("Campaign cancelled"),
        "campaign.duplicate": _l("Campaign duplicated"),
        "campaign.space_open": _l("Campaign space opened"),
        "campaign.space_close": _l("Campaign space closed"),
        "invitation.attended": _l("Marked present"),
        "invitation.remove": _l("Removed from a campaign"),
        "survey.question": _l("Survey question added"),
        "survey.question_move": _l("Survey question moved"),
        "survey.question_remove": _l("Survey question removed"),
    })  # fmt: skip


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.accounts.account_page import register_account_section
    from app.accounts.profile import register_section
    from app.core.places import register_link

    # models: the tables; staff_audience, staff_content, staff_space_views: the staff blueprint's.
    from app.invitations import (  # noqa: F401
        jobs,
        link_views,
        member_views,
        models,
        results_views,
        staff_audience,
        staff_content,
        staff_space_views,
        staff_views,
    )

    app.register_blueprint(results_views.blueprint)
    jobs.register(app)
    _notification_kinds(app)
    _audit_labels(app)
    app.register_blueprint(staff_views.blueprint)
    # The menu's staff entry for brand staff (moderators keep their queue, order 10).
    register_link(app, "chrome.staff", 15, "staff.campaigns_list", _l("Campaigns"),
                  ("campaign.send",))  # fmt: skip
    register_link(app, "manage.menu", 50, "staff.campaigns_list", _l("Campaigns"),
                  ("campaign.send",))  # fmt: skip
    app.register_blueprint(member_views.blueprint)  # with link_views' routes
    register_account_section(app, 20, "invitations/member/_account_section.html",
                             member_views.account_section)  # fmt: skip
    register_section(app, 40, "invitations/member/_profile_section.html",
                     member_views.profile_section)  # fmt: skip
