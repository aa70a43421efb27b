"""Each dashboard figure on the community of conftest.py, whose answers are known."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.ambassadors.models import AmbassadorRun, EngagementScore
from app.core.events import commit
from app.extensions import db
from app.insights.jobs import refresh_health
from app.insights.models import HealthCurve, HealthFigures, HealthRun, HealthScoreBin
from tests.insights.conftest import AS_OF

JUNE, JULY = date(2026, 6, 1), date(2026, 7, 1)


def figures(kind: str, start: date, category_id: int = 0) -> HealthFigures:
    row = db.session.get(HealthFigures, (kind, start, category_id))
    assert row is not None, (kind, start, category_id)
    return row


@pytest.fixture
def refreshed(community):
    refresh_health(as_of=AS_OF)
    commit()
    return community


def test_content_and_the_share_of_the_top_one_percent(refreshed):
    june = figures("month", JUNE)
    # 4 questions + bob's, hel's, sam's answers + ana's own reply; sam's hidden reply is out.
    assert (june.posts, june.active_members) == (8, 4)
    curve = {
        c.percent: (c.authors, c.posts)
        for c in db.session.scalars(
            select(HealthCurve).where(
                HealthCurve.kind == "month",
                HealthCurve.period_start == JUNE,
                HealthCurve.category_id == 0,
            )
        )
    }
    assert curve[1] == (1, 5)  # ana: 5 of the 8 posts, 62.5 %
    assert curve[50] == (2, 6)
    assert curve[100] == (4, 8)


def test_periods_start_at_local_midnight(refreshed):
    # 30 June 22:30 UTC is 1 July 00:30 in Paris: July's, in the week of Monday 29 June.
    assert figures("month", JULY).posts == 1
    assert figures("month", JULY, refreshed.other.id).posts == 1
    assert figures("month", JUNE, refreshed.other.id).posts == 0
    assert figures("quarter", JULY).posts == 1
    assert figures("quarter", date(2026, 4, 1)).posts == 8
    assert figures("week", date(2026, 6, 29)).posts == 1
    assert figures("week", date(2026, 6, 1)).posts == 8  # Monday 1 June to Sunday 7 June


def test_time_to_first_answer_and_to_solution(refreshed):
    june = figures("month", JUNE)
    assert (june.questions, june.answered, june.solved) == (4, 3, 1)
    # First answers after 1 h, 3 h and 5 h (ana's own reply and sam's hidden one do not count).
    assert june.first_answer_median == pytest.approx(3 * 3600, abs=1)
    assert june.first_answer_p90 == pytest.approx(5 * 3600, abs=1)
    assert june.solution_median == pytest.approx(3600, abs=1)
    assert june.solution_p90 == pytest.approx(3600, abs=1)
    help_june = figures("month", JUNE, refreshed.help.id)
    assert (help_june.questions, help_june.answered) == (4, 3)
    assert figures("month", JUNE, refreshed.other.id).first_answer_median is None


def test_who_answers(refreshed):
    june = figures("month", JUNE)
    assert (june.answered_by_members, june.answered_by_helpers, june.answered_by_staff) == (
        1,
        1,
        1,
    )


def test_new_members_and_who_posts_again_within_30_days(refreshed):
    june = figures("month", JUNE)
    # ana, bob and quiet joined; ana and bob posted; both posted again within 30 days
    # (ana on 3 June, bob on 30 June).
    assert (june.new_members, june.new_who_posted, june.new_who_returned) == (3, 2, 2)
    # In a category: those whose first post is there.
    assert figures("month", JUNE, refreshed.help.id).new_members == 2
    assert figures("month", JUNE, refreshed.other.id).new_members == 0


def test_a_second_post_after_30_days_is_not_a_return(app, community):
    from app.forum.models import Topic
    from tests.insights.conftest import at, stamp_topic

    discussion = db.session.scalar(select(Topic).where(Topic.kind == "discussion"))
    stamp_topic(discussion, at(5, month=7))  # 33 days after bob's first post
    commit()
    refresh_health(as_of=AS_OF)
    assert figures("month", JUNE).new_who_returned == 1


def test_moderation_workload(refreshed):
    june = figures("month", JUNE)
    assert (june.flags, june.flags_reviewed, june.hidden_posts, june.sanctions) == (2, 1, 1, 1)
    assert june.review_median == pytest.approx(2 * 3600, abs=1)
    assert june.review_p90 == pytest.approx(2 * 3600, abs=1)
    # Sanctions are the whole community's: a category has none to show.
    assert figures("month", JUNE, refreshed.help.id).sanctions is None
    assert figures("month", JUNE, refreshed.help.id).flags == 2


def test_quiet_periods_read_zero_and_the_history_is_bounded(refreshed):
    months = db.session.scalars(
        select(HealthFigures.period_start)
        .where(HealthFigures.kind == "month", HealthFigures.category_id == 0)
        .order_by(HealthFigures.period_start)
    ).all()
    assert len(months) == 24
    assert months[0] == date(2024, 8, 1) and months[-1] == JULY
    assert figures("month", date(2026, 5, 1)).posts == 0
    weeks = db.session.scalars(
        select(HealthFigures.period_start).where(
            HealthFigures.kind == "week", HealthFigures.category_id == 0
        )
    ).all()
    assert len(weeks) == 26
    assert all(start.weekday() == 0 for start in weeks)


def _run(as_of: datetime, eligible: int, **segments: int) -> AmbassadorRun:
    run = AmbassadorRun(
        as_of=as_of,
        window_days=90,
        eligible_count=eligible,
        figures={f"segment_{k}": v for k, v in segments.items()},
    )
    db.session.add(run)
    db.session.flush()
    return run


def test_segments_run_after_run_and_the_score_distribution(app, community):
    _run(datetime(2026, 7, 1, tzinfo=UTC), 3, ambassador=1, rising=2, opportunist=0)
    last = _run(datetime(2026, 7, 2, tzinfo=UTC), 4, ambassador=2, rising=1, opportunist=1)
    for user, score, eligible in (
        (community.ana, 0, True),
        (community.bob, 5, True),
        (community.hel, 10, True),
        (community.sam, 15, False),
    ):
        db.session.add(
            EngagementScore(run_id=last.id, user_id=user.id, score=score, eligible=eligible)
        )
    db.session.add(EngagementScore(run_id=last.id, user_id=10**6, score=20, eligible=True))
    commit()
    refresh_health(as_of=AS_OF)
    runs = db.session.scalars(select(HealthRun).order_by(HealthRun.as_of)).all()
    assert [(r.ambassadors, r.rising, r.opportunists, r.eligible) for r in runs] == [
        (1, 2, 0, 3),
        (2, 1, 1, 4),
    ]
    bins = {b.bin: (b.members, b.low, b.high) for b in db.session.scalars(select(HealthScoreBin))}
    # Scores 0, 5, 10 and 20 of eligible members, 20 bins of width 1 (the top in the last).
    assert bins == {0: (1, 0, 1), 5: (1, 5, 6), 10: (1, 10, 11), 19: (1, 19, 20)}
