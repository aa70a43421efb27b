"""Periods in the site's time zone, and the slots that map UTC time onto them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from app.insights import periods

PARIS = ZoneInfo("Europe/Paris")


def _slot_row(moment: datetime, as_of: datetime) -> dict[str, object]:
    wanted = periods.slot_of(moment)
    return next(row for row in periods.slots(as_of, PARIS) if row["slot"] == wanted)


def test_a_slot_falls_in_the_local_week_month_and_quarter():
    as_of = datetime(2026, 11, 1, tzinfo=UTC)
    # 30 June 21:45 UTC is 23:45 in Paris (summer time); 22:00 UTC is 1 July, midnight.
    june = _slot_row(datetime(2026, 6, 30, 21, 45, tzinfo=UTC), as_of)
    july = _slot_row(datetime(2026, 6, 30, 22, 0, tzinfo=UTC), as_of)
    assert (june["month"], june["quarter"]) == (date(2026, 6, 1), date(2026, 4, 1))
    assert (july["month"], july["quarter"]) == (date(2026, 7, 1), date(2026, 7, 1))
    # Winter time from 25 October: Monday 26 October starts at 23:00 UTC on the 25th.
    sunday = _slot_row(datetime(2026, 10, 25, 22, 45, tzinfo=UTC), as_of)
    monday = _slot_row(datetime(2026, 10, 25, 23, 0, tzinfo=UTC), as_of)
    assert (sunday["week"], monday["week"]) == (date(2026, 10, 19), date(2026, 10, 26))


def test_the_kept_history_and_its_steps_across_years():
    today = date(2026, 2, 11)
    assert periods.kept_starts("quarter", today)[-2:] == [date(2025, 10, 1), date(2026, 1, 1)]
    assert len(periods.kept_starts("quarter", today)) == 8
    assert periods.kept_starts("month", today)[0] == date(2024, 3, 1)
    assert periods.kept_starts("week", today)[-1] == date(2026, 2, 9)
    assert periods.previous_start("month", date(2026, 1, 1)) == date(2025, 12, 1)


def test_slots_older_than_a_kind_s_history_have_no_period_of_that_kind():
    as_of = datetime(2026, 11, 1, tzinfo=UTC)
    first = next(periods.slots(as_of, PARIS))
    # The history starts with the oldest of the 24 months (December 2024), before the
    # oldest of the 8 quarters (January 2025) and the 26 weeks.
    assert (first["month"], first["quarter"], first["week"]) == (date(2024, 12, 1), None, None)
