"""The value of every <time datetime>: a moment in UTC to the second, a date as it is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from app.core.templating import machine_time


def test_a_moment_is_written_in_utc_to_the_second():
    paris = timezone(timedelta(hours=1))
    assert machine_time(datetime(2026, 12, 7, 16, 29, 40, 123456, paris)) == "2026-12-07T15:29:40Z"
    assert machine_time(datetime(2026, 12, 7, 15, 29, 40, tzinfo=UTC)) == "2026-12-07T15:29:40Z"


def test_a_naive_moment_is_utc_and_a_date_stays_a_date():
    assert machine_time(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"
    assert machine_time(date(2026, 1, 2)) == "2026-01-02"


def test_pages_use_it(client, member, make_topic):
    topic = make_topic(member)
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    written = topic.created_at.replace(tzinfo=topic.created_at.tzinfo or UTC).astimezone(UTC)
    assert f'<time datetime="{written:%Y-%m-%dT%H:%M:%SZ}">' in page
