"""Ambassador statuses decided by hand: moderators promote, demote and unpin members.

The nightly run that decides them otherwise is app.ambassadors.identification.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.ambassadors import marks
from app.ambassadors.models import AmbassadorStatus, StatusChange
from app.badges import awards
from app.core.clock import now_utc
from app.core.notifications import notify
from app.core.permissions import HELPER_CAPABILITIES
from app.core.permissions import grant as grant_capability
from app.core.permissions import revoke as revoke_capabilities
from app.core.urls import path_for
from app.extensions import db
from app.moderation.services import audit

SOURCE = "ambassador"  # the source of the helper capability grants
STATUS_BADGES = ("ambassador", "helper")


class AmbassadorError(Exception):
    """A user-caused error (a decision by hand that cannot be taken); ``status`` for HTTP."""

    def __init__(self, message: object, status: int = 400) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status


def status_of(user_id: int) -> AmbassadorStatus | None:
    return db.session.get(AmbassadorStatus, user_id)


def is_ambassador(user_id: int) -> bool:
    row = status_of(user_id)
    return row is not None and row.status == "ambassador"


def _require_manager(actor: User) -> None:
    if not actor.can("ambassador.manage"):
        raise AmbassadorError(_l("You are not allowed to do that."), 403)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise AmbassadorError(_l("Say why: the member and other moderators will read it."))
    return reason[:300]


def set_status_by_hand(
    actor: User, member: User, status: str, reason: str, at: datetime | None = None
) -> StatusChange:
    """Promote or demote a member by hand and pin the decision. Caller commits."""
    _require_manager(actor)
    if status not in ("ambassador", "member"):
        raise AmbassadorError(_l("Unknown status."))
    reason = _clean_reason(reason)
    if status == "ambassador" and member.role != "member":
        raise AmbassadorError(_l("Staff and moderators cannot be ambassadors."))
    at = at or now_utc()
    row = status_of(member.id)
    if row is None:
        row = AmbassadorStatus(user_id=member.id, status="member", since=at, updated_at=at)
        db.session.add(row)
    old = row.status
    row.status, row.pinned, row.pinned_by_id, row.pin_reason = status, True, actor.id, reason
    row.grace_until, row.updated_at = None, at
    if old != status:
        row.since = at
    change = StatusChange(
        user_id=member.id,
        old_status=old,
        new_status=status,
        reason="promoted_by_hand" if status == "ambassador" else "demoted_by_hand",
        actor_id=actor.id,
        note=reason,
        created_at=at,
    )
    db.session.add(change)
    if old != status:
        _apply_one(member.id, promoted=status == "ambassador", at=at)
    audit(
        actor,
        f"ambassador.{'promote' if status == 'ambassador' else 'demote'}",
        "user",
        member.id,
        before={"status": old},
        after={"status": status, "pinned": True},
        reason=reason,
    )
    db.session.flush()
    return change


def unpin(actor: User, member: User, reason: str, at: datetime | None = None) -> StatusChange:
    """Let the job decide this member's status again from its next run. Caller commits."""
    _require_manager(actor)
    reason = _clean_reason(reason)
    row = status_of(member.id)
    if row is None or not row.pinned:
        raise AmbassadorError(_l("This member's status is not pinned."))
    at = at or now_utc()
    row.pinned, row.pinned_by_id, row.pin_reason, row.updated_at = False, None, None, at
    change = StatusChange(
        user_id=member.id,
        old_status=row.status,
        new_status=row.status,
        reason="unpinned",
        actor_id=actor.id,
        note=reason,
        created_at=at,
    )
    db.session.add(change)
    audit(actor, "ambassador.unpin", "user", member.id, after={"pinned": False}, reason=reason)
    db.session.flush()
    return change


def _apply_one(user_id: int, *, promoted: bool, at: datetime) -> None:
    marks.statuses_changed([user_id])
    if promoted:
        for capability in HELPER_CAPABILITIES:
            grant_capability(user_id, capability, SOURCE)
        if current_app.config["AMBASSADOR_STATUS_PUBLIC"]:
            for slug in STATUS_BADGES:
                awards.grant(user_id, slug, at=at)
        notify([user_id], "ambassadors.promoted", path_for("ambassadors.my_status"))
        return
    revoke_capabilities(user_id, SOURCE)
    for slug in STATUS_BADGES:
        awards.revoke(user_id, slug, at=at)
    notify([user_id], "ambassadors.demoted", path_for("ambassadors.my_status"))
