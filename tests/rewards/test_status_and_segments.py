"""Spending never touches status: level, leaderboard and ambassador score stay; a member
whose redemptions dominate while their forum help is low is an opportunist."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.ambassadors.models import AmbassadorRun, EngagementScore, SegmentMember
from app.badges import leaderboard
from app.badges.levels import level_for
from app.badges.models import LeaderboardEntry, LedgerEntry
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.rewards import balance, redeeming
from tests.ambassadors.conftest import Community


def _identify(as_of):
    job_run = run_job("identify-ambassadors", as_of=as_of)
    assert job_run.outcome == "success", job_run.error
    return db.session.get(AmbassadorRun, job_run.figures["run_id"])


def _score(run, user_id):
    return db.session.get(EngagementScore, (run.id, user_id))


def _segments(run, user_id):
    return set(db.session.scalars(select(SegmentMember.segment).where(
        SegmentMember.run_id == run.id, SegmentMember.user_id == user_id)))  # fmt: skip


def _board(user_id):
    return db.session.execute(select(LeaderboardEntry.period, LeaderboardEntry.rank,
                                     LeaderboardEntry.points)
                              .where(LeaderboardEntry.user_id == user_id)
                              .order_by(LeaderboardEntry.period)).all()  # fmt: skip


def test_spending_leaves_level_leaderboard_and_ambassador_score_unchanged(
    make_user, category, points, make_reward
):
    community = Community(make_user, category)
    helper = community.member("helper", answers=6, accepted=3, votes=2)
    other = community.member("other", answers=3, votes=1)
    points(helper, 1200)
    points(other, 600)
    as_of = community.now + timedelta(minutes=1)
    before_run = _identify(as_of)
    leaderboard.refresh(as_of)
    commit()
    level, board, score = level_for(helper.points), _board(helper.id), _score(before_run, helper.id)

    reward = make_reward(cost=500)
    redeeming.redeem(helper, reward.id)
    redeeming.redeem(helper, reward.id)
    commit()

    db.session.refresh(helper)
    assert balance.spendable(helper) == 200
    assert helper.points == 1200 and level_for(helper.points) == level
    assert db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.points < 0)) is None
    after_run = _identify(as_of + timedelta(minutes=1))
    leaderboard.refresh(as_of + timedelta(minutes=1))
    commit()
    assert _board(helper.id) == board
    after = _score(after_run, helper.id)
    assert after.redemptions == 2
    assert (after.score, after.rank, after.external_raw) == (score.score, score.rank,
                                                            score.external_raw)  # fmt: skip


def test_a_member_whose_redemptions_dominate_is_an_opportunist(
    app, make_user, category, points, make_reward
):
    community = Community(make_user, category)
    helper = community.member("helper", answers=8, accepted=4, votes=3)
    hunter = community.member("hunter", answers=1)
    for who in (helper, hunter):
        points(who, 1000)
    reward = make_reward(cost=100)
    for _ in range(3):
        redeeming.redeem(hunter, reward.id)
    redeeming.redeem(helper, reward.id)
    commit()

    run = _identify(community.now + timedelta(minutes=1))

    hunter_score = _score(run, hunter.id)
    assert hunter_score.external_raw == 0  # redemptions weigh nothing in the score
    assert "opportunist" in _segments(run, hunter.id)
    assert "opportunist" not in _segments(run, helper.id)

    app.config["AMBASSADOR_OPPORTUNIST_REDEMPTION_WEIGHT"] = 0.0  # the setting is the rule
    run = _identify(community.now + timedelta(minutes=2))
    assert "opportunist" not in _segments(run, hunter.id)
