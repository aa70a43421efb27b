"""Who a campaign invites: criteria that combine, turned into one SELECT of user ids.

Every criterion narrows the audience (they combine with AND); inside one criterion a
list means any of its values (segments ["ambassador", "rising"]: either segment). The
audience is always a SQL SELECT, never members loaded into Python: sending inserts
from it, and the staff preview counts it and draws a sample from it.

Always left out, whatever the criteria: staff, moderators and administrators (only
the "member" role is invited), deactivated accounts and suspended members. Members who
opted out of campaign email stay in the audience: they get the invitation in Tribune,
not the email (see sending.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, literal, or_, select

from app.accounts.models import User
from app.ambassadors.models import SEGMENTS, AmbassadorRun, SegmentMember
from app.ambassadors.services import SOURCE as HELPER_SOURCE
from app.badges.catalogue import BY_SLUG, TIERS
from app.badges.leaderboard import PERIODS
from app.badges.models import BadgeAward, LeaderboardEntry
from app.core.clock import now_utc
from app.core.permissions import HELPER_CAPABILITIES, CapabilityGrant
from app.extensions import db
from app.invitations.models import ATTENDED, Invitation, ListedMember

MAX_SAMPLE = 100


class AudienceError(ValueError):
    """Criteria staff gave that cannot describe an audience (an unknown badge, a bad number)."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Criteria:
    """A campaign's audience criteria, as stored in ``Campaign.audience`` (JSON)."""

    # Segments of the last ambassador run: "ambassador", "rising", "opportunist".
    segments: tuple[str, ...] = ()
    # Members holding the helper privileges (granted by the ambassador job).
    helpers: bool = False
    # Members holding this badge (not revoked).
    badge: str | None = None
    # Category experts: holders of a category expertise badge of at least this tier.
    expert_category_id: int | None = None
    expert_min_tier: str = "bronze"
    # The first ``top_count`` members of a category's leaderboard over ``top_period``.
    top_category_id: int | None = None
    top_count: int = 0
    top_period: str = "all"
    # A level key from LEVELS ("regular"): members with at least its points.
    min_level: str | None = None
    # "fr" or "en"; members who chose no language have the site's default.
    language: str | None = None
    # Members who attended one of these campaigns (attended_any: any past campaign).
    attended_campaign_ids: tuple[int, ...] = ()
    attended_any: bool = False
    # Only the members of the CSV uploaded for the campaign (see csv_list.py).
    listed: bool = False
    # Leave out members invited to any campaign in the last N days.
    not_invited_within_days: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Criteria:
        """Criteria from their stored form, checked; AudienceError names what is wrong."""
        if data is not None and not isinstance(data, dict):
            raise AudienceError(_l("The audience's criteria are not readable."))
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise AudienceError(_l("Unknown audience criterion: %(name)s.", name=unknown[0]))
        for name in ("segments", "attended_campaign_ids"):
            if name in data:
                data[name] = tuple(data[name] or ())
        criteria = cls(**data)
        criteria.check()
        return criteria

    def to_json(self) -> dict[str, Any]:
        """Only what differs from the defaults, lists as lists."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def check(self) -> None:
        """Raise AudienceError, naming the field, for a value no audience can use."""
        for segment in self.segments:
            if segment not in SEGMENTS:
                raise AudienceError(_l("Unknown segment: %(name)s.", name=segment), "segments")
        if self.badge is not None and self.badge not in BY_SLUG:
            raise AudienceError(_l("Unknown badge: %(name)s.", name=self.badge), "badge")
        if self.expert_min_tier not in TIERS:
            raise AudienceError(
                _l("Unknown tier: %(name)s.", name=self.expert_min_tier), "expert_min_tier"
            )
        if self.top_category_id is not None and not 1 <= _int(self.top_count) <= 100_000:
            raise AudienceError(_l("Give how many top members to invite."), "top_count")
        if self.top_period not in PERIODS:
            raise AudienceError(_l("Unknown period: %(name)s.", name=self.top_period), "top_period")
        if self.min_level is not None and self.min_level not in dict(_levels()):
            raise AudienceError(_l("Unknown level: %(name)s.", name=self.min_level), "min_level")
        if self.language is not None and self.language not in current_app.config["LANGUAGES"]:
            raise AudienceError(_l("Unknown language: %(name)s.", name=self.language), "language")
        for value in (self.expert_category_id, self.top_category_id, *self.attended_campaign_ids):
            if value is not None and _int(value) < 1:
                raise AudienceError(_l("Ids are positive whole numbers."))
        days = self.not_invited_within_days
        if days is not None and not 1 <= _int(days) <= 3650:
            raise AudienceError(
                _l("Give a number of days between 1 and 3650."), "not_invited_within_days"
            )


def _int(value: Any) -> int:
    """An int given as JSON; anything else (a bool, a text) counts as invalid."""
    if isinstance(value, bool) or not isinstance(value, int):
        return -1
    return value


def _levels() -> list[tuple[str, int]]:
    return [(key, threshold) for key, threshold in current_app.config["LEVELS"]]


def last_run_id() -> Any:
    """A scalar subquery: the latest ambassador run's id (NULL before the first run)."""
    return (
        select(AmbassadorRun.id)
        .order_by(AmbassadorRun.as_of.desc(), AmbassadorRun.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def eligible(at: datetime) -> list[Any]:
    """Conditions every invited member meets: a customer, active, not suspended."""
    return [
        User.role == "member",
        User.active.is_(True),
        or_(User.suspended_until.is_(None), User.suspended_until <= at),
    ]


def audience_query(
    criteria: Criteria, campaign_id: int | None = None, at: datetime | None = None
) -> Select[Any]:
    """SELECT users.id AS user_id for every member the criteria name (set-based)."""
    return select(User.id.label("user_id")).where(*conditions(criteria, campaign_id, at))


def conditions(
    criteria: Criteria, campaign_id: int | None = None, at: datetime | None = None
) -> list[Any]:
    """WHERE conditions on ``users`` naming the audience, for statements built on it."""
    at = at or now_utc()
    return eligible(at) + _conditions(criteria, campaign_id, at)


def _conditions(criteria: Criteria, campaign_id: int | None, at: datetime) -> list[Any]:
    found: list[Any] = []
    if criteria.segments:
        found.append(User.id.in_(select(SegmentMember.user_id).where(
            SegmentMember.run_id == last_run_id(),
            SegmentMember.segment.in_(criteria.segments),
        )))  # fmt: skip
    if criteria.helpers:
        found.append(User.id.in_(select(CapabilityGrant.user_id).where(
            CapabilityGrant.source == HELPER_SOURCE,
            CapabilityGrant.capability.in_(HELPER_CAPABILITIES),
            or_(CapabilityGrant.expires_at.is_(None), CapabilityGrant.expires_at > at),
        )))  # fmt: skip
    if criteria.badge is not None:
        found.append(User.id.in_(select(BadgeAward.user_id).where(
            BadgeAward.badge == criteria.badge, BadgeAward.revoked_at.is_(None)
        )))  # fmt: skip
    if criteria.expert_category_id is not None:
        tiers = TIERS[TIERS.index(criteria.expert_min_tier) :]
        found.append(User.id.in_(select(BadgeAward.user_id).where(
            BadgeAward.badge.in_([f"category-expert-{tier}" for tier in tiers]),
            BadgeAward.category_id == criteria.expert_category_id,
            BadgeAward.revoked_at.is_(None),
        )))  # fmt: skip
    if criteria.top_category_id is not None:
        found.append(User.id.in_(select(LeaderboardEntry.user_id).where(
            LeaderboardEntry.period == criteria.top_period,
            LeaderboardEntry.category_id == criteria.top_category_id,
            LeaderboardEntry.position <= criteria.top_count,
        )))  # fmt: skip
    if criteria.min_level is not None:
        found.append(User.points >= dict(_levels())[criteria.min_level])
    if criteria.language is not None:
        if criteria.language == current_app.config["BABEL_DEFAULT_LOCALE"]:
            found.append(or_(User.locale == criteria.language, User.locale.is_(None)))
        else:
            found.append(User.locale == criteria.language)
    if criteria.attended_campaign_ids or criteria.attended_any:
        attended = select(Invitation.user_id).where(Invitation.state == ATTENDED)
        if criteria.attended_campaign_ids:
            attended = attended.where(Invitation.campaign_id.in_(criteria.attended_campaign_ids))
        found.append(User.id.in_(attended))
    if criteria.listed:
        # Before the campaign exists there is no list: nobody.
        found.append(User.id.in_(select(ListedMember.user_id).where(
            ListedMember.campaign_id == (campaign_id if campaign_id is not None else literal(0))
        )))  # fmt: skip
    if criteria.not_invited_within_days is not None:
        since = at - timedelta(days=criteria.not_invited_within_days)
        found.append(User.id.not_in(
            select(Invitation.user_id).where(Invitation.invited_at > since)
        ))  # fmt: skip
    return found


def count(criteria: Criteria, campaign_id: int | None = None, at: datetime | None = None) -> int:
    """How many members the audience holds now (the staff preview)."""
    members = audience_query(criteria, campaign_id, at).subquery()
    return db.session.scalar(select(func.count()).select_from(members)) or 0


def sample(
    criteria: Criteria, n: int = 20, campaign_id: int | None = None, at: datetime | None = None
) -> list[tuple[int, str]]:
    """Up to ``n`` members of the audience drawn at random: (id, username)."""
    members = audience_query(criteria, campaign_id, at).subquery()
    rows = db.session.execute(
        select(User.id, User.username)
        .join(members, members.c.user_id == User.id)
        .order_by(func.random())
        .limit(max(0, min(n, MAX_SAMPLE)))
    ).all()
    return [(row.id, row.username) for row in rows]
