"""Thirty redemptions at once never overspend a balance or oversell the stock (SQLite
and PostgreSQL: TEST_DATABASE_URL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.events import commit
from app.extensions import db
from app.rewards import balance, fulfilment, redeeming
from app.rewards.errors import RewardError
from app.rewards.models import Redemption, Reward, SpendingEntry

THREADS = 30


def _all_at_once(app: Any, action: Any, count: int = THREADS) -> list[Any]:
    """``action(i)`` in ``count`` threads released together, each in its own session."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        with app.app_context():
            try:
                start.wait()
                results[i] = action(i)
                commit()
            except RewardError as error:
                db.session.rollback()
                results[i] = error
            except BaseException as error:  # reported by the test
                results[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _done(results: list[Any]) -> list[Any]:
    unexpected = [r for r in results if isinstance(r, BaseException)
                  and not isinstance(r, RewardError)]  # fmt: skip
    assert unexpected == []
    return [r for r in results if not isinstance(r, RewardError)]


@pytest.mark.committed
def test_thirty_redemptions_by_one_member_spend_only_what_they_hold(
    app, member, points, make_reward
):
    points(member, 300)  # enough for three
    reward_id = make_reward(cost=100).id
    member_id = member.id

    def redeem(_i: int) -> Any:
        return redeeming.redeem(db.session.get(User, member_id), reward_id).id

    results = _all_at_once(app, redeem)

    assert len(_done(results)) == 3
    refused = {str(r.message) for r in results if isinstance(r, RewardError)}
    assert refused == {"Your spendable balance is too low for this reward."}
    db.session.expire_all()
    user = db.session.get(User, member_id)
    assert user.points == 300
    assert balance.spendable(user) == 0
    assert db.session.scalar(select(func.count(SpendingEntry.id))) == 3
    assert balance.wallet_mismatches() == [] and balance.negative_balances() == []


@pytest.mark.committed
def test_thirty_members_on_the_last_item_in_stock_get_it_once(app, make_user, points, make_reward):
    members = [make_user() for _ in range(THREADS)]
    for m in members:
        points(m, 500)
    reward_id = make_reward(cost=50, stock=1).id
    ids = [m.id for m in members]

    def redeem(i: int) -> Any:
        return redeeming.redeem(db.session.get(User, ids[i]), reward_id).id

    results = _all_at_once(app, redeem)

    assert len(_done(results)) == 1
    db.session.expire_all()
    assert db.session.get(Reward, reward_id).stock == 0
    assert db.session.scalar(select(func.count(Redemption.id))) == 1
    assert db.session.scalar(select(func.count(SpendingEntry.id))) == 1


@pytest.mark.committed
def test_thirty_members_on_the_last_code_get_it_once(app, make_user, points, make_reward):
    from app.rewards import catalog

    members = [make_user() for _ in range(THREADS)]
    for m in members:
        points(m, 500)
    reward = make_reward(cost=50, delivery="code")
    staff = db.session.scalar(select(User).where(User.role == "staff"))
    catalog.upload_codes(staff, reward.id, "ONLY-ONE\n")
    commit()
    ids, reward_id = [m.id for m in members], reward.id

    results = _all_at_once(app, lambda i: redeeming.redeem(db.session.get(User, ids[i]),
                                                          reward_id).id)  # fmt: skip

    assert len(_done(results)) == 1
    db.session.expire_all()
    assert catalog.free_codes(reward_id) == 0
    assert db.session.scalar(select(func.count(SpendingEntry.id))) == 1


@pytest.mark.committed
def test_thirty_cancellations_at_once_refund_once(app, member, staff, points, make_reward):
    points(member, 100)
    reward = make_reward(cost=100, stock=5)
    redemption_id = redeeming.redeem(member, reward.id).id
    commit()
    staff_id, member_id, reward_id = staff.id, member.id, reward.id

    def cancel(_i: int) -> Any:
        return fulfilment.cancel(db.session.get(User, staff_id), redemption_id, "Twice?")

    results = _all_at_once(app, cancel)

    assert sorted(_done(results)) == [False] * (THREADS - 1) + [True]
    db.session.expire_all()
    assert balance.spendable(db.session.get(User, member_id)) == 100
    assert db.session.get(Reward, reward_id).stock == 5
    kinds = db.session.scalars(select(SpendingEntry.kind).order_by(SpendingEntry.id)).all()
    assert kinds == ["debit", "refund"]
