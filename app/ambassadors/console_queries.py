"""Read models of the ambassador console: the filtered member list, the score distribution,
a member's score run after run and what weighed most in it.

Every function runs a fixed number of statements, whatever the number of members: the
distribution's bins are counted in SQL, the list is one page of one SELECT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from app.accounts.models import User
from app.ambassadors.models import SEGMENTS, AmbassadorRun, AmbassadorStatus, EngagementScore
from app.ambassadors.models import SegmentMember as Segment
from app.ambassadors.queries import Breakdown
from app.core.paging import Page, make_page
from app.extensions import db

SORTS = ("rank", "score", "name", "since")
DIRECTIONS = ("asc", "desc")
# The direction a sort takes when none is asked for: best first, names A to Z, newest change.
DEFAULT_DIRECTION = {"rank": "asc", "score": "desc", "name": "asc", "since": "desc"}
STATUS_FILTERS = ("ambassador", "member", "pinned")
ELIGIBLE_FILTERS = ("yes", "no")
SEARCH_MAX = 64
BINS = 20
HISTORY_RUNS = 60


@dataclass(frozen=True)
class ConsoleFilters:
    """What the console's list shows, from its query string (see ``parse``)."""

    sort: str = "rank"
    direction: str = "asc"
    status: str | None = None
    segment: str | None = None
    eligible: str | None = None
    search: str | None = None

    def args(self) -> dict[str, str]:
        """The query arguments that give these filters back (defaults left out)."""
        found = {
            "sort": self.sort if self.sort != "rank" else None,
            "dir": self.direction if self.direction != DEFAULT_DIRECTION[self.sort] else None,
            "status": self.status,
            "segment": self.segment,
            "eligible": self.eligible,
            "q": self.search,
        }
        return {key: value for key, value in found.items() if value}

    def args_with(self, **changes: str | None) -> dict[str, str]:
        """These filters' query arguments with some changed (None removes one)."""
        merged: dict[str, str | None] = {**self.args(), **changes}
        if "sort" in changes and "dir" not in changes:
            merged.pop("dir", None)
        return {key: value for key, value in merged.items() if value}


class _Unknown(Exception):
    pass


def _choice(args: Any, name: str, allowed: tuple[str, ...]) -> str | None:
    value = (args.get(name) or "").strip()
    if value and value not in allowed:
        raise _Unknown(name)
    return value or None


def parse(args: Any) -> ConsoleFilters | None:
    """The filters of a query string, or None when one of them is not a known value."""
    try:
        sort = _choice(args, "sort", SORTS) or "rank"
        direction = _choice(args, "dir", DIRECTIONS) or DEFAULT_DIRECTION[sort]
        status = _choice(args, "status", STATUS_FILTERS)
        segment = _choice(args, "segment", SEGMENTS)
        eligible = _choice(args, "eligible", ELIGIBLE_FILTERS)
    except _Unknown:
        return None
    search = " ".join((args.get("q") or "").split())[:SEARCH_MAX] or None
    return ConsoleFilters(sort, direction, status, segment, eligible, search)


def members(run: AmbassadorRun, filters: ConsoleFilters, page: int, per_page: int) -> Page:
    """One page of the run's members as the filters ask: one statement.

    Rows: (EngagementScore, username, status, pinned, since).
    """
    query = (
        select(
            EngagementScore,
            User.username,
            AmbassadorStatus.status,
            AmbassadorStatus.pinned,
            AmbassadorStatus.since,
        )
        .join(User, User.id == EngagementScore.user_id)
        .outerjoin(AmbassadorStatus, AmbassadorStatus.user_id == EngagementScore.user_id)
        .where(EngagementScore.run_id == run.id)
    )
    if filters.segment:
        query = query.join(
            Segment,
            and_(
                Segment.run_id == run.id,
                Segment.user_id == EngagementScore.user_id,
                Segment.segment == filters.segment,
            ),
        )
    if filters.status == "ambassador":
        query = query.where(AmbassadorStatus.status == "ambassador")
    elif filters.status == "member":
        query = query.where(
            or_(AmbassadorStatus.status.is_(None), AmbassadorStatus.status != "ambassador")
        )
    elif filters.status == "pinned":
        query = query.where(AmbassadorStatus.pinned.is_(True))
    if filters.eligible == "yes":
        query = query.where(EngagementScore.eligible.is_(True))
    elif filters.eligible == "no":
        query = query.where(EngagementScore.eligible.is_(False))
    if filters.search:
        query = query.where(
            func.lower(User.username).contains(filters.search.lower(), autoescape=True)
        )
    query = query.order_by(*_order(filters))
    rows = db.session.execute(query.limit(per_page + 1).offset((page - 1) * per_page)).all()
    return make_page(list(rows), page, per_page)


def _order(filters: ConsoleFilters) -> list[Any]:
    descending = filters.direction == "desc"

    def by(column: Any) -> Any:
        return column.desc() if descending else column.asc()

    tie = EngagementScore.user_id
    if filters.sort == "score":
        return [by(EngagementScore.score), tie]
    if filters.sort == "name":
        return [by(User.username), tie]
    if filters.sort == "since":
        # Members who never had a status row come last either way.
        return [AmbassadorStatus.since.is_(None), by(AmbassadorStatus.since), tie]
    # Unranked (ineligible) members come after the ranked ones, best score first. NULLS
    # LAST rather than "rank IS NULL": PostgreSQL then reads the first pages in the order
    # of the (run_id, rank) index instead of sorting the whole run.
    return [by(EngagementScore.rank).nulls_last(), EngagementScore.score.desc(), tie]


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    members: int


@dataclass(frozen=True)
class Distribution:
    """The eligible members' scores of one run in equal bins, and the cutoff's bin."""

    bins: list[Bin]
    cutoff: float | None
    cutoff_bin: int | None

    @property
    def total(self) -> int:
        return sum(b.members for b in self.bins)


def _nice_width(top: float, bins: int) -> float:
    """A round bin width (1, 2, 2.5 or 5 times a power of ten) so that ``bins`` cover ``top``."""
    raw = top / bins
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * power * bins >= top:
            return step * power
    return 10 * power


def distribution(run: AmbassadorRun, bins: int = BINS) -> Distribution:
    """Two statements: the highest score (rank 1), then one count per bin (GROUP BY)."""
    top = db.session.scalar(
        select(EngagementScore.score).where(
            EngagementScore.run_id == run.id, EngagementScore.rank == 1
        )
    )
    if not top or top <= 0:
        return Distribution([], run.cutoff_score, None)
    width = _nice_width(float(top), bins)
    count = min(bins, max(1, math.ceil(float(top) / width + 1e-9)))
    # Portable binning (no FLOOR on SQLite): the first threshold the score is under.
    index = case(
        *[(EngagementScore.score < literal(width * (n + 1)), n) for n in range(count - 1)],
        else_=count - 1,
    ).label("bin")
    counted = dict(
        db.session.execute(
            select(index, func.count())
            .where(EngagementScore.run_id == run.id, EngagementScore.eligible.is_(True))
            .group_by(index)
        ).all()
    )
    result = [Bin(n * width, (n + 1) * width, int(counted.get(n, 0))) for n in range(count)]
    cutoff = run.cutoff_score
    cutoff_bin = None
    if cutoff is not None:
        cutoff_bin = min(count - 1, max(0, int(cutoff // width)))
    return Distribution(result, cutoff, cutoff_bin)


@dataclass(frozen=True)
class RunScore:
    as_of: Any
    score: float
    rank: int | None
    eligible: bool
    cutoff: float | None


def score_runs(user_id: int, limit: int = HISTORY_RUNS) -> list[RunScore]:
    """The member's score in each kept run, oldest first (one statement)."""
    rows = db.session.execute(
        select(
            AmbassadorRun.as_of,
            EngagementScore.score,
            EngagementScore.rank,
            EngagementScore.eligible,
            AmbassadorRun.cutoff_score,
        )
        .join(AmbassadorRun, AmbassadorRun.id == EngagementScore.run_id)
        .where(EngagementScore.user_id == user_id)
        .order_by(AmbassadorRun.as_of.desc(), AmbassadorRun.id.desc())
        .limit(limit)
    ).all()
    return [RunScore(r[0], float(r[1] or 0), r[2], bool(r[3]), r[4]) for r in reversed(rows)]


@dataclass(frozen=True)
class WeightiestPart:
    name: str
    label: Any
    share: float  # of the score, in percent


def weightiest_part(breakdown: Breakdown | None) -> WeightiestPart | None:
    """The signal that adds most to the score, and its share of it.

    Signals from outside the forum count for what they add after their cap (the cap
    scales them all down alike), so the shares of every signal add up to the score.
    """
    if breakdown is None or breakdown.score <= 0:
        return None
    scale = breakdown.external_score / breakdown.external_raw if breakdown.external_raw else 0.0
    best = None
    best_points = 0.0
    for line in breakdown.lines:
        points = line.points * scale if line.external else line.points
        if points > best_points:
            best, best_points = line, points
    if best is None:
        return None
    return WeightiestPart(best.name, best.label, 100.0 * best_points / breakdown.score)
