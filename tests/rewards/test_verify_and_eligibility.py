"""`tribune points verify` checks spendable balances; who may redeem what."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.ambassadors.models import AmbassadorRun, SegmentMember
from app.badges.models import LedgerEntry
from app.badges.points import reverse
from app.core.clock import now_utc
from app.core.events import commit
from app.extensions import db
from app.rewards import redeeming
from app.rewards.errors import RewardError
from app.rewards.models import RewardWallet


def test_points_verify_checks_balances_and_fixes_a_wallet(app, member, points, make_reward):
    points(member, 200)
    redeeming.redeem(member, make_reward(cost=150).id)
    commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["points", "verify"])
    assert result.exit_code == 0, result.output
    assert "every total matches" in result.output

    db.session.execute(update(RewardWallet).values(spent=10))
    commit()
    result = runner.invoke(args=["points", "verify"])
    assert result.exit_code != 0
    assert "rewards: alice" in result.output and "spending history 150" in result.output

    result = runner.invoke(args=["points", "verify", "--fix"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(RewardWallet, member.id).spent == 150
    assert runner.invoke(args=["points", "verify"]).exit_code == 0


def test_points_reversed_after_spending_show_as_a_negative_balance(
    app, member, points, make_reward
):
    points(member, 100)
    redeeming.redeem(member, make_reward(cost=100).id)
    commit()
    entry = db.session.query(LedgerEntry).filter_by(user_id=member.id).one()
    reverse(entry, "serial_voting", now_utc())  # a reversal lowers lifetime points
    commit()
    result = app.test_cli_runner().invoke(args=["points", "verify"])
    assert "spendable balance -100" in result.output
    assert result.exit_code == 0  # worth reading, not an error of the totals


def test_a_level_reward_is_refused_below_the_level_with_the_reason(make_user, points, make_reward):
    newcomer, regular = make_user("newbie"), make_user("regular")
    points(newcomer, 40)  # level 1 (newcomer)
    points(regular, 300)  # level 3 (regular)
    reward = make_reward(cost=10, eligibility="min_level", eligibility_value="3")
    with pytest.raises(RewardError, match="level Regular and above") as refused:
        redeeming.redeem(newcomer, reward.id)
    assert refused.value.status == 403
    db.session.rollback()
    redeeming.redeem(regular, reward.id)
    commit()


def test_a_segment_reward_goes_to_the_last_runs_segment_only(make_user, points, make_reward):
    rising, former = make_user("rising"), make_user("former")
    for who in (rising, former):
        points(who, 100)
    now = now_utc()
    old = AmbassadorRun(as_of=now.replace(year=now.year - 1), window_days=90)
    last = AmbassadorRun(as_of=now, window_days=90)
    db.session.add_all([old, last])
    db.session.flush()
    db.session.add(SegmentMember(run_id=old.id, user_id=former.id, segment="rising"))
    db.session.add(SegmentMember(run_id=last.id, user_id=rising.id, segment="rising"))
    commit()
    reward = make_reward(cost=10, eligibility="segment", eligibility_value="rising")
    with pytest.raises(RewardError, match="ambassadors in the making"):
        redeeming.redeem(former, reward.id)
    db.session.rollback()
    redeeming.redeem(rising, reward.id)
    commit()
    ambassadors_only = make_reward(cost=10, eligibility="segment", eligibility_value="ambassador")
    with pytest.raises(RewardError, match="For ambassadors only"):
        redeeming.redeem(rising, ambassadors_only.id)
