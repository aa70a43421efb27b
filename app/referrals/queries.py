"""What the referral pages read: a member's referrals, and staff's figures for a period."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.badges.models import LedgerEntry
from app.extensions import db
from app.referrals.conversion import LEDGER_ACTION
from app.referrals.models import CONVERTED, REFUSED, REVERSED, Referral, ReferralVisit

# The periods staff choose from, in days.
PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
TOP = 20
REFUSED_SHOWN = 50
CSV_BATCH = 2000


@dataclass(frozen=True)
class MemberReferral:
    username: str
    state: str
    reason: str | None
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class MemberSummary:
    referrals: list[MemberReferral]
    converted: int
    points: int  # what the referrer kept from conversions (reversals taken off)


def for_member(user_id: int) -> MemberSummary:
    """A member's referrals, the latest first, and the points they brought (two queries)."""
    friend = aliased(User)
    rows = db.session.execute(
        select(friend.username, Referral.state, Referral.reason, Referral.created_at,
               Referral.decided_at)
        .join(friend, friend.id == Referral.referred_id)
        .where(Referral.referrer_id == user_id)
        .order_by(Referral.created_at.desc(), Referral.id.desc())
        .limit(200)
    ).all()  # fmt: skip
    earned = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            LedgerEntry.user_id == user_id, LedgerEntry.action == LEDGER_ACTION
        )
    )
    referrals = [MemberReferral(*row) for row in rows]
    converted = sum(1 for r in referrals if r.state == CONVERTED)
    return MemberSummary(referrals, converted, int(earned or 0))


@dataclass(frozen=True)
class Funnel:
    visits: int
    sign_ups: int
    converted: int
    refused: int
    reversed: int


def funnel(since: datetime) -> Funnel:
    """Visits, sign-ups and decisions of the period, in one statement."""
    visits = select(func.count(ReferralVisit.id)).where(ReferralVisit.visited_at >= since)
    sign_ups = select(func.count(Referral.id)).where(Referral.created_at >= since)

    def decided(state: str, column: Any = Referral.decided_at) -> Any:
        return select(func.count(Referral.id)).where(Referral.state == state, column >= since)

    row = db.session.execute(
        select(
            visits.scalar_subquery(),
            sign_ups.scalar_subquery(),
            # A conversion reversed since still happened in the period: it counts here.
            select(func.count(Referral.id))
            .where(Referral.state.in_((CONVERTED, REVERSED)), Referral.decided_at >= since)
            .scalar_subquery(),
            decided(REFUSED).scalar_subquery(),
            decided(REVERSED, Referral.reversed_at).scalar_subquery(),
        )
    ).one()
    return Funnel(*(int(value or 0) for value in row))


@dataclass(frozen=True)
class TopReferrer:
    username: str
    converted: int
    sign_ups: int


def top_referrers(since: datetime, limit: int = TOP) -> list[TopReferrer]:
    """Members with the most conversions in the period (then sign-ups), one grouped query."""
    converted = func.sum(
        case((and_(Referral.state == CONVERTED, Referral.decided_at >= since), 1), else_=0)
    )
    sign_ups = func.sum(case((Referral.created_at >= since, 1), else_=0))
    rows = db.session.execute(
        select(User.username, converted, sign_ups)
        .join(User, User.id == Referral.referrer_id)
        .where((Referral.created_at >= since) | (Referral.decided_at >= since))
        .group_by(User.id, User.username)
        .having(converted > 0)
        .order_by(converted.desc(), sign_ups.desc(), User.username)
        .limit(limit)
    ).all()
    return [TopReferrer(name, int(c or 0), int(s or 0)) for name, c, s in rows]


@dataclass(frozen=True)
class Decided:
    referrer: str
    referred: str
    state: str
    reason: str | None
    created_at: datetime
    decided_at: datetime | None
    converted_via: str | None
    visited_at: datetime
    ip_hash: str | None


def _rows(since: datetime) -> Any:
    referrer, friend = aliased(User), aliased(User)
    return (
        select(referrer.username, friend.username, Referral.state, Referral.reason,
               Referral.created_at, Referral.decided_at, Referral.converted_via,
               Referral.visited_at, Referral.ip_hash)
        .join(referrer, referrer.id == Referral.referrer_id)
        .join(friend, friend.id == Referral.referred_id)
    )  # fmt: skip


def refused(since: datetime, limit: int = REFUSED_SHOWN) -> list[Decided]:
    """Refused and reversed referrals of the period, the latest first, with their reason."""
    query = (
        _rows(since)
        .where(
            ((Referral.state == REFUSED) & (Referral.decided_at >= since))
            | ((Referral.state == REVERSED) & (Referral.reversed_at >= since))
        )
        .order_by(Referral.id.desc())
        .limit(limit)
    )
    return [Decided(*row) for row in db.session.execute(query).all()]


def every_referral(since: datetime) -> Iterator[Decided]:
    """Every referral signed up in the period, streamed (for the CSV)."""
    query = (
        _rows(since)
        .where(Referral.created_at >= since)
        .order_by(Referral.id)
        .execution_options(yield_per=CSV_BATCH)
    )
    for row in db.session.execute(query):
        yield Decided(*row)


def period_start(days: int, now: datetime) -> datetime:
    return now - timedelta(days=days)
