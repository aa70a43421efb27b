"""Leaderboards by period and category, precomputed so a page is two indexed lookups.

A job rebuilds each board with one INSERT ... SELECT and window functions (RANK for
the displayed rank, ROW_NUMBER for paging), all of them in the job's transaction:
readers keep seeing the previous boards until it commits. Staff and suspended members are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, literal, or_, select

from app.accounts.models import User
from app.badges.models import LeaderboardEntry, LedgerEntry
from app.core.clock import now_utc
from app.core.job_runs import JobRun
from app.extensions import db

PERIODS: dict[str, int | None] = {"week": 7, "month": 30, "year": 365, "all": None}
ALL_CATEGORIES = 0


def _eligible(at: datetime) -> object:
    return (
        (User.role == "member")
        & User.active.is_(True)
        & or_(User.suspended_until.is_(None), User.suspended_until <= at)
    )


def _insert_board(period: str, scores: object, at: datetime) -> int:
    """Rank (user_id, category_id, points) rows per category and store them."""
    order = (scores.c.points.desc(), scores.c.user_id)  # type: ignore[attr-defined]
    partition = scores.c.category_id  # type: ignore[attr-defined]
    ranked = select(
        literal(period),
        partition,
        func.row_number().over(partition_by=partition, order_by=order),
        func.rank().over(partition_by=partition, order_by=scores.c.points.desc()),  # type: ignore[attr-defined]
        scores.c.user_id,  # type: ignore[attr-defined]
        scores.c.points,  # type: ignore[attr-defined]
    )
    columns = ["period", "category_id", "position", "rank", "user_id", "points"]
    statement = insert(LeaderboardEntry.__table__).from_select(columns, ranked)
    result = db.session.execute(statement.execution_options(preserve_rowcount=True))
    return result.rowcount or 0


def refresh(at: datetime | None = None) -> dict[str, int]:
    """Rebuild every board; returns the number of rows per period. Caller commits."""
    at = at or now_utc()
    figures: dict[str, int] = {}
    for period, days in PERIODS.items():
        db.session.execute(delete(LeaderboardEntry).where(LeaderboardEntry.period == period))
        window = [LedgerEntry.created_at <= at]
        if days is not None:
            window.append(LedgerEntry.created_at > at - timedelta(days=days))
        total = func.sum(LedgerEntry.points)
        if days is None:
            # All time, overall: the cached totals, no need to sum the ledger.
            overall = select(
                User.id.label("user_id"),
                literal(ALL_CATEGORIES).label("category_id"),
                User.points.label("points"),
            ).where(_eligible(at), User.points > 0)
        else:
            overall = (
                select(
                    LedgerEntry.user_id.label("user_id"),
                    literal(ALL_CATEGORIES).label("category_id"),
                    total.label("points"),
                )
                .join(User, User.id == LedgerEntry.user_id)
                .where(_eligible(at), *window)
                .group_by(LedgerEntry.user_id)
                .having(total > 0)
            )
        per_category = (
            select(
                LedgerEntry.user_id.label("user_id"),
                LedgerEntry.category_id.label("category_id"),
                total.label("points"),
            )
            .join(User, User.id == LedgerEntry.user_id)
            .where(_eligible(at), LedgerEntry.category_id.is_not(None), *window)
            .group_by(LedgerEntry.user_id, LedgerEntry.category_id)
            .having(total > 0)
        )
        rows = _insert_board(period, overall.subquery(), at)
        rows += _insert_board(period, per_category.subquery(), at)
        figures[period] = rows
    return figures


@dataclass
class BoardRow:
    rank: int
    position: int
    user_id: int
    username: str
    points: int
    member_points: int  # the member's total, which gives the level


REFRESH_JOB = "refresh-leaderboards"


def last_refreshed() -> datetime | None:
    """When the boards were last rebuilt by their job (None before its first success)."""
    return db.session.scalar(
        select(func.max(JobRun.finished_at)).where(
            JobRun.job_name == REFRESH_JOB, JobRun.outcome == "success"
        )
    )


def page(period: str, category_id: int, number: int, size: int) -> tuple[list[BoardRow], bool]:
    """One page of a board, and whether there is a next one."""
    start = (number - 1) * size
    rows = db.session.execute(
        select(
            LeaderboardEntry.rank,
            LeaderboardEntry.position,
            LeaderboardEntry.user_id,
            User.username,
            LeaderboardEntry.points,
            User.points,
        )
        .join(User, User.id == LeaderboardEntry.user_id)
        .where(
            LeaderboardEntry.period == period,
            LeaderboardEntry.category_id == category_id,
            LeaderboardEntry.position > start,
            LeaderboardEntry.position <= start + size + 1,
        )
        .order_by(LeaderboardEntry.position)
    ).all()
    return [BoardRow(*row) for row in rows[:size]], len(rows) > size


def own_entry(period: str, category_id: int, user_id: int) -> LeaderboardEntry | None:
    return db.session.scalar(
        select(LeaderboardEntry).where(
            LeaderboardEntry.period == period,
            LeaderboardEntry.category_id == category_id,
            LeaderboardEntry.user_id == user_id,
        )
    )
