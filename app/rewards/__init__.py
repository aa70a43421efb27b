"""Rewards: a catalogue members spend their points on, apart from their status.

A sibling of invitations (level 6): it may use ambassadors, badges, moderation, forum,
accounts and core; nothing imports it. Staff manage the catalogue and work the
redemptions under /staff/rewards (staff_views.py); members browse /rewards, redeem and
follow their redemptions at /me/rewards (member_views.py). The balance is balance.py,
redeeming redeeming.py, delivering and cancelling fulfilment.py.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _


def _title(data: dict[str, Any]) -> str:
    language = str(get_locale() or "")
    return data.get(f"title_{language}") or data.get("title_en") or data.get("title_fr") or ""


def _notification_kinds(app: Flask) -> None:
    from app.core.notifications import register_kind

    register_kind(app, "rewards.shipped", lambda data: _(
        "Your reward is on its way: %(title)s (%(note)s)", title=_title(data),
        note=data.get("note") or ""))  # fmt: skip
    register_kind(app, "rewards.code_given",
                  lambda data: _("Your code is ready: %(title)s", title=_title(data)))  # fmt: skip
    register_kind(app, "rewards.handed_over",
                  lambda data: _("Reward handed over: %(title)s", title=_title(data)))  # fmt: skip
    register_kind(app, "rewards.cancelled", lambda data: _(
        "Redemption cancelled, points refunded: %(title)s", title=_title(data)))  # fmt: skip


def _audit_terms(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.moderation.log_labels import (
        TargetKind,
        register_action_labels,
        register_audit_terms,
    )

    register_action_labels(app, {
        "reward.create": _l("Reward created"),
        "reward.edit": _l("Reward edited"),
        "reward.archive": _l("Reward archived"),
        "reward.unarchive": _l("Reward back in the catalogue"),
        "reward.codes": _l("Reward codes uploaded"),
        "redemption.request": _l("Reward redeemed"),
        "redemption.deliver": _l("Redemption delivered"),
        "redemption.cancel": _l("Redemption cancelled and refunded"),
    })  # fmt: skip
    register_audit_terms(
        app,
        fields={"cost": _l("Cost"), "stock": _l("Stock"), "refund": _l("Points refunded"),
                "note": _l("Tracking note"), "reward": _l("Reward"),
                "per_member_limit": _l("Limit per member"), "eligibility": _l("Who may redeem"),
                "eligibility_value": _l("Level or segment"), "delivery": _l("Delivery"),
                "picture": _l("Picture")},
        values={"state": {"requested": _l("requested"), "shipped": _l("shipped"),
                          "code_given": _l("code handed over"),
                          "handed_over": _l("handed over"), "cancelled": _l("cancelled")}},
        targets={"reward": TargetKind(_l("reward %(n)s"), "reward_staff.edit", "reward_id",
                                      "reward.manage"),
                 "redemption": TargetKind(_l("redemption %(n)s"))},
    )  # fmt: skip


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.badges.verify import ExtraVerification, register_extra_verification
    from app.core.places import register_link
    from app.core.templating import register_nav_link
    from app.rewards import balance, member_views, models, staff_views  # noqa: F401

    app.register_blueprint(member_views.blueprint)
    app.register_blueprint(staff_views.blueprint)
    _notification_kinds(app)
    _audit_terms(app)
    register_nav_link(app, 40, "rewards.catalogue", _l("Rewards"))
    register_link(app, "chrome.staff", 18, "reward_staff.index", _l("Rewards"),
                  ("reward.manage",))  # fmt: skip
    register_link(app, "staff.menu", 30, "reward_staff.index", _l("Rewards"),
                  ("reward.manage",))  # fmt: skip
    # `tribune points verify` checks the spendable balances too.
    check = ExtraVerification("rewards", balance.wallet_mismatches, balance.fix_wallets,
                              balance.negative_balances)  # fmt: skip
    register_extra_verification(app, check)
