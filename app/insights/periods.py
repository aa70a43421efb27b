"""The dashboard's periods, in the site's time zone, and the slots that map time onto them.

A week starts on Monday at midnight, a month on its first day, a quarter on the first
of January, April, July or October, all at local midnight (BABEL_DEFAULT_TIMEZONE).
The dashboard keeps a bounded history, the open period included: HISTORY weeks, months
and quarters. SQL cannot convert to a named time zone alike on SQLite and PostgreSQL,
so the job writes the quarters of an hour of that history (UTC epoch seconds // 900,
every zone's offset being a multiple of 15 minutes) with the local week, month and
quarter each falls in, and buckets every timestamp with one equality join.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.insights.models import PERIOD_KINDS

# How many periods of each kind the dashboard keeps, the open one included.
HISTORY = {"week": 26, "month": 24, "quarter": 8}
SLOT_SECONDS = 900


def period_start(kind: str, day: date) -> date:
    """The first day of the period of ``kind`` that holds ``day``."""
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    raise ValueError(f"unknown period kind {kind!r}")


def previous_start(kind: str, start: date) -> date:
    """The first day of the period before the one starting on ``start``."""
    if kind == "week":
        return start - timedelta(days=7)
    months = 1 if kind == "month" else 3
    month = start.month - months
    year = start.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def kept_starts(kind: str, today: date) -> list[date]:
    """The starts of the kept periods of ``kind``, oldest first, the open one last."""
    starts = [period_start(kind, today)]
    while len(starts) < HISTORY[kind]:
        starts.append(previous_start(kind, starts[-1]))
    return starts[::-1]


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """``day``'s local midnight, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def history_start(today: date, zone: ZoneInfo) -> datetime:
    """The UTC instant the oldest kept period of any kind starts."""
    return min(local_midnight(kept_starts(kind, today)[0], zone) for kind in PERIOD_KINDS)


def slot_of(moment: datetime) -> int:
    return int(moment.timestamp()) // SLOT_SECONDS


def slots(as_of: datetime, zone: ZoneInfo) -> Iterator[dict[str, object]]:
    """Every slot from the oldest kept period to ``as_of``, with its kept periods (None
    where the slot is older than the history of that kind)."""
    today = as_of.astimezone(zone).date()
    oldest = {kind: kept_starts(kind, today)[0] for kind in PERIOD_KINDS}
    first, last = slot_of(history_start(today, zone)), slot_of(as_of)
    for slot in range(first, last + 1):
        day = datetime.fromtimestamp(slot * SLOT_SECONDS, zone).date()
        row: dict[str, object] = {"slot": slot}
        for kind in PERIOD_KINDS:
            start = period_start(kind, day)
            row[kind] = start if start >= oldest[kind] else None
        yield row
