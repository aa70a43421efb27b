"""The member directory's read model: filters from the query string, one statement a page.

Managers find a member by name or email and narrow the list by role, level (a range of
points from the LEVELS setting), account status, sanction and join date (typed in the
site's time zone). A page is one SELECT whatever the number of members: the total comes
with the rows (``count(*) OVER ()``), each member's number of sanctions from a
correlated count on the sanctions' (user_id, created_at) index, the level from
``users.points`` (kept by badges). Arguments that make no sense are left out, each with
a message the page shows: a hand-edited URL never answers a 500.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.sql import Select

from app.accounts.models import User
from app.badges.levels import NAMES, level_for
from app.core.clock import now_utc
from app.core.permissions import ROLES
from app.core.user_input import bounded_int
from app.extensions import db
from app.moderation.models import Sanction

PER_PAGE = 50
MAX_PAGE = 10_000

# Account statuses, from the accounts model: a member who can log in, one who left
# (deactivated), one brought in by an import who has not claimed the account yet.
STATUSES = {
    "active": _l("Active"),
    "deactivated": _l("Deactivated"),
    "unclaimed": _l("Not claimed yet (imported)"),
}
# Sanctions: in force now (suspension or silence), or ever given a warning.
SANCTIONS = {
    "any": _l("Suspended or silenced now"),
    "suspend": _l("Suspended now"),
    "silence": _l("Silenced now"),
    "warn": _l("Warned at least once"),
    "none": _l("Never sanctioned"),
}
SORTS = {
    "name": _l("Name"),
    "newest": _l("Joined most recently"),
    "oldest": _l("Joined longest ago"),
    "points": _l("Most points"),
    "seen": _l("Last seen"),
}


@dataclass(frozen=True)
class Filters:
    q: str = ""
    role: str = ""
    level: str = ""
    status: str = ""
    sanction: str = ""
    joined_from: date | None = None
    joined_to: date | None = None
    sort: str = "name"
    page: int = 1
    # What was left out of the query string, and why (shown on the page).
    problems: tuple[Any, ...] = field(default=(), compare=False)

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of these filters (for the pager, the CSV, the sort links)."""
        values = replace(self, **changes) if changes else self
        found = {
            "q": values.q, "role": values.role, "level": values.level,
            "status": values.status, "sanction": values.sanction,
            "joined_from": values.joined_from.isoformat() if values.joined_from else "",
            "joined_to": values.joined_to.isoformat() if values.joined_to else "",
            "sort": "" if values.sort == "name" else values.sort,
            "page": "" if values.page == 1 else values.page,
        }  # fmt: skip
        return {key: value for key, value in found.items() if value != ""}


def level_keys() -> list[str]:
    return [key for key, _threshold in current_app.config["LEVELS"]]


def level_name(key: str) -> str:
    """A level's name in the reader's language, from its key."""
    return str(NAMES.get(key, key))


def _choice(args: Mapping[str, str], name: str, allowed: Any, problem: Any, problems: list) -> str:
    value = (args.get(name) or "").strip()
    if value and value not in allowed:
        problems.append(problem)
        return ""
    return value


def _day(args: Mapping[str, str], name: str, problems: list) -> date | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year <= 9998:
        problems.append(_l("A join date is not a date (year-month-day): left out."))
    return day if day is not None and 1900 <= day.year <= 9998 else None


def parse(args: Mapping[str, str]) -> Filters:
    """The filters of a query string; what makes no sense is left out with a message."""
    problems: list[Any] = []
    role = _choice(args, "role", ROLES, _l("Unknown role: left out."), problems)
    level = _choice(args, "level", level_keys(), _l("Unknown level: left out."), problems)
    status = _choice(args, "status", STATUSES, _l("Unknown status: left out."), problems)
    sanction = _choice(args, "sanction", SANCTIONS, _l("Unknown sanction: left out."), problems)
    sort = _choice(args, "sort", SORTS, _l("Unknown order: sorted by name."), problems) or "name"
    page_text = (args.get("page") or "").strip()
    page = bounded_int(page_text, 1, MAX_PAGE) if page_text else 1
    if page is None:
        problems.append(_l("There is no such page: the first one is shown."))
        page = 1
    joined_from, joined_to = _day(args, "joined_from", problems), _day(args, "joined_to", problems)
    if joined_from and joined_to and joined_from > joined_to:
        joined_from, joined_to = joined_to, joined_from
    return Filters(
        q=(args.get("q") or "").strip()[:100], role=role, level=level, status=status,
        sanction=sanction, joined_from=joined_from, joined_to=joined_to, sort=sort, page=page,
        problems=tuple(problems),
    )  # fmt: skip


def site_zone() -> ZoneInfo:
    """The zone join dates are typed in: the site's (BABEL_DEFAULT_TIMEZONE), else UTC."""
    try:
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=site_zone()).astimezone(UTC)


def _level_clause(key: str) -> Any:
    levels = current_app.config["LEVELS"]
    index = next(i for i, (name, _threshold) in enumerate(levels) if name == key)
    clauses = []
    if index > 0:
        clauses.append(User.points >= levels[index][1])
    if index + 1 < len(levels):
        clauses.append(User.points < levels[index + 1][1])
    return and_(*clauses) if clauses else true()


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(filters: Filters, at: datetime) -> Select:
    sanctions = (
        select(func.count(Sanction.id))
        .where(Sanction.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    query = select(
        User.id, User.username, User.email, User.role, User.points, User.active,
        User.password_hash.is_(None).label("unclaimed"), User.suspended_until,
        User.silenced_until, User.created_at, User.last_seen_at,
        sanctions.label("sanctions"),
    )  # fmt: skip
    if filters.q:
        pattern = f"%{_escaped(filters.q.lower())}%"
        query = query.where(
            or_(
                User.username_key.like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    if filters.role:
        query = query.where(User.role == filters.role)
    if filters.level:
        query = query.where(_level_clause(filters.level))
    if filters.status == "active":
        query = query.where(User.active.is_(True), User.password_hash.is_not(None))
    elif filters.status == "deactivated":
        query = query.where(User.active.is_(False))
    elif filters.status == "unclaimed":
        query = query.where(User.active.is_(True), User.password_hash.is_(None))
    suspended, silenced = User.suspended_until > at, User.silenced_until > at
    if filters.sanction == "any":
        query = query.where(or_(suspended, silenced))
    elif filters.sanction == "suspend":
        query = query.where(suspended)
    elif filters.sanction == "silence":
        query = query.where(silenced)
    elif filters.sanction == "warn":
        query = query.where(exists().where(Sanction.user_id == User.id, Sanction.kind == "warn"))
    elif filters.sanction == "none":
        query = query.where(~exists().where(Sanction.user_id == User.id))
    if filters.joined_from:
        query = query.where(User.created_at >= _midnight(filters.joined_from))
    if filters.joined_to:
        query = query.where(User.created_at < _midnight(filters.joined_to + timedelta(days=1)))
    order = {
        "name": (User.username_key,),
        "newest": (User.created_at.desc(), User.id.desc()),
        "oldest": (User.created_at, User.id),
        "points": (User.points.desc(), User.username_key),
        "seen": (User.last_seen_at.desc().nulls_last(), User.username_key),
    }[filters.sort]
    return query.order_by(*order)


@dataclass(frozen=True)
class MemberRow:
    id: int
    username: str
    email: str
    role: str
    points: int
    level: str  # its name in the reader's language
    level_key: str  # as in the LEVELS setting (the CSV's)
    status: str
    suspended: bool
    silenced: bool
    sanctions: int
    joined: datetime
    last_seen: datetime | None


def _row(row: Any, at: datetime) -> MemberRow:
    status = "deactivated" if not row.active else "unclaimed" if row.unclaimed else "active"
    level = level_for(row.points)
    return MemberRow(
        id=row.id, username=row.username, email=row.email, role=row.role, points=row.points,
        level=level.name, level_key=level.key, status=status,
        suspended=row.suspended_until is not None and row.suspended_until > at,
        silenced=row.silenced_until is not None and row.silenced_until > at,
        sanctions=row.sanctions or 0, joined=row.created_at, last_seen=row.last_seen_at,
    )  # fmt: skip


@dataclass(frozen=True)
class DirectoryPage:
    members: list[MemberRow]
    page: int
    total: int
    per_page: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def directory_page(filters: Filters, per_page: int = PER_PAGE) -> DirectoryPage:
    """One page of the filtered directory and how many members match: one statement (two
    past the last page, to say how many there are)."""
    at = now_utc()
    query = _filtered(filters, at).add_columns(func.count().over().label("total"))
    rows = db.session.execute(query.limit(per_page).offset((filters.page - 1) * per_page)).all()
    if rows:
        total = rows[0].total
    elif filters.page > 1:  # past the last page: the count alone, a second statement
        counted = _filtered(filters, at).order_by(None).subquery()
        total = db.session.scalar(select(func.count()).select_from(counted)) or 0
    else:
        total = 0
    return DirectoryPage([_row(row, at) for row in rows], filters.page, total, per_page)


def directory_rows(filters: Filters) -> Iterator[MemberRow]:
    """Every member of the filtered directory, streamed a thousand at a time (the CSV)."""
    at = now_utc()
    query = _filtered(filters, at).execution_options(yield_per=1000)
    for row in db.session.execute(query):
        yield _row(row, at)
