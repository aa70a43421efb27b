"""The referral program: members' links and codes, referrals recorded at sign-up,
converted on a first contribution that stays (or a purchase), refused with a reason,
rewarded with points, the Referrer badge and an external signal; staff's figures.

A sibling of invitations and insights: it may use ambassadors, moderation, badges,
forum, accounts and core; nothing imports it. It hears of sign-ups (UserRegistered),
suspensions (MemberSuspended) and purchases (ExternalSignalsStored) through core's events.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


def _notification_kinds(app: Flask) -> None:
    from app.core.notifications import register_kind

    register_kind(app, "referrals.converted", lambda data: _(
        "%(friend)s, who joined through your link, took part: %(points)s points for you.",
        friend=data.get("friend", ""), points=data.get("points", 0),
    ))  # fmt: skip
    register_kind(app, "referrals.counted", lambda data: _(
        "Thank you for taking part: your first contribution counted for %(referrer)s, "
        "who invited you.", referrer=data.get("referrer", ""),
    ))  # fmt: skip
    register_kind(app, "referrals.reversed", lambda data: _(
        "A referral of yours was taken back: the account was removed."
    ))  # fmt: skip


def init_app(app: Flask) -> None:
    from app.accounts.profile import register_section
    from app.core.event_payloads import ExternalSignalsStored, MemberSuspended, UserRegistered
    from app.core.events import handle_in_transaction
    from app.core.places import register_link
    from app.referrals import capture, conversion, jobs, member_views, models, staff_views  # noqa: F401

    app.register_blueprint(member_views.blueprint)
    app.register_blueprint(staff_views.blueprint)
    handle_in_transaction(app, UserRegistered, capture.on_registered)
    handle_in_transaction(app, MemberSuspended, conversion.on_suspended)
    handle_in_transaction(app, ExternalSignalsStored, conversion.on_signals)
    jobs.register(app)
    _notification_kinds(app)
    register_section(app, 45, "referrals/_profile_section.html", member_views.profile_section)
    register_link(app, "manage.menu", 55, "referrals_staff.overview", _l("Referrals"),
                  ("referral.view",))  # fmt: skip
    register_link(app, "staff.menu", 55, "referrals_staff.overview", _l("Referrals"),
                  ("referral.view",))  # fmt: skip
