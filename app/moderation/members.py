"""Sanctions and roles: suspend, silence, warn, lift; role changes by administrators.

A suspended member can read but not write (User.can refuses every capability but
reading private categories) and sees why and until when on every page; they are left
out of leaderboards and of the ambassador job. A silenced member's posts wait for
review. Suspensions and silences end by themselves at their date, or when lifted.
Every decision is a sanction row (the member's record) and an audit row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from app.accounts import services as account_services
from app.accounts.models import User
from app.accounts.services import AccountError
from app.core import events
from app.core.clock import now_utc
from app.core.event_payloads import MemberSuspended
from app.core.notifications import notify
from app.core.urls import path_for
from app.extensions import db
from app.moderation.models import Sanction
from app.moderation.services import ModerationError, audit

# "Indefinitely" is stored as a date no one will reach, so "suspended_until > now" holds.
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)
MAX_DAYS = 3650
KINDS = ("suspend", "silence", "warn")

# The notifications a member hears of a sanction, worded in their language.
NOTIFICATION_KINDS: dict[str, Callable[[dict[str, Any]], str]] = {
    "moderation.warned": lambda d: _("A moderator warned you: %(reason)s", **d),
    "moderation.suspended": lambda d: _("Your account is suspended: %(reason)s", **d),
    "moderation.silenced": lambda d: _("Your posts now wait for review: %(reason)s", **d),
    "moderation.lifted": lambda d: _("A moderator lifted the restriction on your account."),
}


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(_l("Say why: the member will read it."))
    return reason[:300]


def _check_target(moderator: User, member: User) -> None:
    if not moderator.can("user.suspend"):
        raise ModerationError(_l("You may not do that."), status=403)
    if member.id == moderator.id:
        raise ModerationError(_l("You cannot sanction yourself."), status=403)
    if member.role == "admin" or (member.role != "member" and moderator.role != "admin"):
        raise ModerationError(
            _l("Only an administrator can sanction staff, and nobody an administrator."),
            status=403,
        )


def _until(days: int | None, at: datetime) -> datetime:
    if days is None:
        return FOREVER
    if not 1 <= days <= MAX_DAYS:
        raise ModerationError(_l("Choose between 1 and %(n)d days.", n=MAX_DAYS))
    return at + timedelta(days=days)


def _record(kind: str, moderator: User, member: User, reason: str, ends_at: datetime | None):
    at = now_utc()
    sanction = Sanction(
        user_id=member.id, kind=kind, moderator_id=moderator.id, reason=reason, created_at=at,
        ends_at=None if ends_at == FOREVER else ends_at,
    )  # fmt: skip
    db.session.add(sanction)
    return sanction


def suspend(moderator: User, member: User, days: int | None, reason: str) -> Sanction:
    """Suspend for ``days`` (None: until lifted). Caller commits."""
    _check_target(moderator, member)
    reason = _reason(reason)
    until = _until(days, now_utc())
    before = {
        "suspended_until": member.suspended_until.isoformat() if member.is_suspended() else None
    }
    member.suspended_until, member.suspension_reason = until, reason
    sanction = _record("suspend", moderator, member, reason, until)
    audit(moderator, "user.suspend", "user", member.id, before=before,
          after={"suspended_until": until.isoformat()}, reason=reason)  # fmt: skip
    notify([member.id], "moderation.suspended", path_for("forum.home"), reason=reason)
    events.queue(MemberSuspended(
        user_id=member.id, moderator_id=moderator.id, until=None if until == FOREVER else until,
        reason=reason, suspended_at=sanction.created_at,
    ))  # fmt: skip
    return sanction


def silence(moderator: User, member: User, days: int | None, reason: str) -> Sanction:
    """Hold the member's posts for review for ``days`` (None: until lifted)."""
    _check_target(moderator, member)
    reason = _reason(reason)
    until = _until(days, now_utc())
    member.silenced_until = until
    sanction = _record("silence", moderator, member, reason, until)
    audit(moderator, "user.silence", "user", member.id,
          after={"silenced_until": until.isoformat()}, reason=reason)  # fmt: skip
    notify([member.id], "moderation.silenced", path_for("forum.home"), reason=reason)
    return sanction


def warn(moderator: User, member: User, reason: str) -> Sanction:
    """A private warning: a notification and a line in the member's record."""
    _check_target(moderator, member)
    reason = _reason(reason)
    sanction = _record("warn", moderator, member, reason, None)
    audit(moderator, "user.warn", "user", member.id, reason=reason)
    notify([member.id], "moderation.warned", path_for("forum.home"), reason=reason)
    return sanction


def lift(moderator: User, member: User, reason: str = "") -> int:
    """End a suspension and a silence early; returns how many sanctions were lifted."""
    _check_target(moderator, member)
    at = now_utc()
    before = {"suspended": member.is_suspended(at), "silenced": member.is_silenced(at)}
    if not (before["suspended"] or before["silenced"]):
        raise ModerationError(_l("This member is neither suspended nor silenced."))
    member.suspended_until = member.suspension_reason = member.silenced_until = None
    lifted = db.session.execute(
        update(Sanction)
        .where(
            Sanction.user_id == member.id,
            Sanction.kind.in_(("suspend", "silence")),
            Sanction.lifted_at.is_(None),
        )
        .values(lifted_at=at, lifted_by_id=moderator.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    audit(moderator, "user.lift", "user", member.id, before=before,
          after={"suspended": False, "silenced": False}, reason=(reason or "").strip())  # fmt: skip
    notify([member.id], "moderation.lifted", path_for("forum.home"))
    return lifted or 0


def change_role(actor: User, member: User, role: str, reason: str = "") -> bool:
    """Only administrators (``user.roles``) change roles, never their own; the change is
    logged by the listener of ``role_changed`` (the command line's too)."""
    if not actor.can("user.roles"):
        raise ModerationError(_l("Only an administrator changes roles."), status=403)
    if actor.id == member.id:
        raise ModerationError(_l("Ask another administrator to change your role."), status=403)
    try:
        return account_services.set_role(member, role, changed_by=actor, reason=reason)
    except AccountError as error:
        raise ModerationError(error.message) from error


def record_of(member_id: int) -> list[tuple[Sanction, str | None]]:
    """The member's sanctions, newest first, with the moderator's name."""
    moderator = aliased(User)
    return [
        (sanction, name)
        for sanction, name in db.session.execute(
            select(Sanction, moderator.username)
            .outerjoin(moderator, moderator.id == Sanction.moderator_id)
            .where(Sanction.user_id == member_id)
            .order_by(Sanction.created_at.desc(), Sanction.id.desc())
        )
    ]
