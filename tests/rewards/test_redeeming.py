"""Redeeming: the spendable balance, the stock, the limit, and lifetime points untouched."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.ambassadors.models import ExternalSignal
from app.badges.levels import level_for
from app.core.events import commit
from app.extensions import db
from app.rewards import balance, fulfilment, redeeming
from app.rewards.errors import RewardError
from app.rewards.models import Redemption, Reward, SpendingEntry


def test_redeeming_spends_the_balance_and_never_the_lifetime_points(member, points, make_reward):
    points(member, 300)
    reward = make_reward(cost=120)
    level_before = level_for(member.points)

    redeeming.redeem(member, reward.id)
    commit()

    db.session.refresh(member)
    assert member.points == 300  # lifetime: levels, leaderboards, the score read it
    assert level_for(member.points) == level_before
    assert balance.spendable(member) == 180
    kinds = db.session.execute(select(SpendingEntry.kind, SpendingEntry.points)).all()
    assert [tuple(k) for k in kinds] == [("debit", 120)]


def test_a_balance_too_low_is_refused_and_nothing_is_spent(member, points, make_reward):
    points(member, 50)
    reward = make_reward(cost=100)
    with pytest.raises(RewardError, match="balance is too low"):
        redeeming.redeem(member, reward.id)
    db.session.rollback()
    assert balance.spendable(member) == 50
    assert db.session.scalar(select(func.count(Redemption.id))) == 0


def test_stock_goes_down_and_an_empty_stock_is_refused(member, points, make_reward):
    points(member, 1000)
    reward = make_reward(cost=10, stock=1)
    redeeming.redeem(member, reward.id)
    commit()
    assert db.session.get(Reward, reward.id).stock == 0
    with pytest.raises(RewardError, match="out of stock"):
        redeeming.redeem(member, reward.id)


def test_the_limit_per_member_counts_what_was_not_cancelled(member, staff, points, make_reward):
    points(member, 1000)
    reward = make_reward(cost=10, per_member_limit=1)
    first = redeeming.redeem(member, reward.id)
    commit()
    with pytest.raises(RewardError, match="as often as allowed"):
        redeeming.redeem(member, reward.id)
    db.session.rollback()
    fulfilment.cancel(staff, first.id, "Out of mugs")
    commit()
    redeeming.redeem(member, reward.id)
    commit()


def test_a_cancellation_refunds_once_and_puts_the_item_back(member, staff, points, make_reward):
    points(member, 100)
    reward = make_reward(cost=100, stock=1)
    redemption = redeeming.redeem(member, reward.id)
    commit()
    assert balance.spendable(member) == 0

    assert fulfilment.cancel(staff, redemption.id, "Damaged") is True
    commit()
    assert fulfilment.cancel(staff, redemption.id, "Again") is False  # a double click
    commit()

    assert balance.spendable(member) == 100
    assert db.session.get(Reward, reward.id).stock == 1
    kinds = db.session.scalars(select(SpendingEntry.kind).order_by(SpendingEntry.id)).all()
    assert kinds == ["debit", "refund"]
    assert balance.wallet_mismatches() == []
    # The opportunists' rule no longer counts it as a redemption.
    assert db.session.scalars(select(ExternalSignal)).all() == []


def test_a_redemption_is_an_outside_signal_that_weighs_nothing(member, points, make_reward):
    points(member, 100)
    redemption = redeeming.redeem(member, make_reward(cost=40).id)
    commit()
    signal = db.session.scalars(select(ExternalSignal)).one()
    assert (signal.kind, signal.user_id, signal.value) == ("redemption", member.id, 40.0)
    assert redemption.cost == 40


def test_a_suspended_member_cannot_redeem(member, points, make_reward):
    from datetime import timedelta

    from app.core.clock import now_utc

    points(member, 500)
    user = db.session.get(User, member.id)
    user.suspended_until = now_utc() + timedelta(days=3)
    commit()
    with pytest.raises(RewardError) as refused:
        redeeming.redeem(user, make_reward(cost=10).id)
    assert refused.value.status == 403
