"""Redeeming a reward: the balance and the stock debited in one transaction.

Under ``savepoint()`` (BEGIN IMMEDIATE on SQLite: one writer at a time) the member's
row is locked first (FOR UPDATE on PostgreSQL; the lock the points ledger takes), so a
member's redemptions are served one after the other, each seeing what the previous one
spent, and the per-member limit is counted under the same lock. The stock is taken by a
conditional UPDATE (``stock = stock - 1 WHERE stock > 0``) whose row count says whether
an item was left: thirty members on the last item get it once. A code reward also
locks its reward row (after the member's: one lock order, and before the redemption's
INSERT) and reserves the first free code, which staff then hand over. Services never commit.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.ambassadors.signals import record_signal
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.sql import savepoint
from app.extensions import db
from app.rewards import balance
from app.rewards.eligibility import refusal, standing
from app.rewards.errors import RewardError
from app.rewards.models import CANCELLED, CODE, Redemption, Reward, RewardCode

# The source of the external signal each redemption records (the ambassadors' segments
# count redemptions as activity outside the forum).
SIGNAL_SOURCE = "tribune-rewards"
SIGNAL_KIND = "redemption"


def redeemed_count(user_id: int, reward_id: int) -> int:
    """The member's redemptions of this reward that were not cancelled."""
    return int(
        db.session.scalar(
            select(func.count(Redemption.id)).where(
                Redemption.user_id == user_id,
                Redemption.reward_id == reward_id,
                Redemption.state != CANCELLED,
            )
        )
        or 0
    )


def check(member: User, reward: Reward, points: int) -> None:
    """Raise RewardError unless ``member``, holding ``points`` lifetime points, may
    redeem ``reward`` now (called under the member's lock, and by the pages to explain)."""
    if reward.archived_at is not None:
        raise RewardError(_l("This reward is no longer offered."), 404)
    if not member.can("reward.redeem"):
        raise RewardError(_l("Your account may not redeem rewards."), 403)
    why = refusal(reward, standing(member, points))
    if why is not None:
        raise RewardError(why, 403)
    limit = reward.per_member_limit
    if limit is not None and redeemed_count(member.id, reward.id) >= limit:
        raise RewardError(_l("You have already redeemed this reward as often as allowed."))
    if points - balance.spent(member.id) < reward.cost:
        raise RewardError(_l("Your spendable balance is too low for this reward."))
    if reward.stock is not None and reward.stock <= 0:
        raise RewardError(_l("This reward is out of stock."))


def _take_stock(reward_id: int) -> bool:
    result = db.session.execute(
        update(Reward)
        .where(Reward.id == reward_id, Reward.stock.is_not(None), Reward.stock > 0)
        .values(stock=Reward.stock - 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def _reserve_code(reward_id: int, redemption_id: int) -> bool:
    """The first free code, for a redemption (call with the reward's row locked)."""
    free = (
        select(RewardCode.id)
        .where(RewardCode.reward_id == reward_id, RewardCode.redemption_id.is_(None))
        .order_by(RewardCode.id)
        .limit(1)
        .scalar_subquery()
    )
    result = db.session.execute(
        update(RewardCode)
        .where(RewardCode.id == free, RewardCode.redemption_id.is_(None))
        .values(redemption_id=redemption_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def redeem(member: User, reward_id: int, at: datetime | None = None) -> Redemption:
    """Redeem one reward for ``member``: debit, take stock, record; the caller commits."""
    at = at or now_utc()
    with savepoint():
        points = balance.lock_member(member.id)
        reward = db.session.scalar(
            select(Reward).where(Reward.id == reward_id).execution_options(populate_existing=True)
        )
        if reward is not None and reward.delivery == CODE:
            # Codes are given one redemption at a time. Locked before the redemption's
            # INSERT, whose foreign key takes a share lock on this row: a lock taken
            # after it would wait on the other redemptions' share locks (a deadlock).
            db.session.execute(select(Reward.id).where(Reward.id == reward.id).with_for_update())
        if reward is None:
            raise RewardError(_l("This reward does not exist."), 404)
        check(member, reward, points)
        if reward.stock is not None and not _take_stock(reward.id):
            raise RewardError(_l("This reward is out of stock."))
        redemption = Redemption(user_id=member.id, reward_id=reward.id, cost=reward.cost,
                                created_at=at)  # fmt: skip
        db.session.add(redemption)
        db.session.flush()
        if reward.delivery == CODE and not _reserve_code(reward.id, redemption.id):
            raise RewardError(_l("No codes are left for this reward."))
        balance.debit(member.id, redemption.id, reward.cost, at)
        record_signal(member.id, SIGNAL_KIND, at, SIGNAL_SOURCE, str(redemption.id),
                      value=float(reward.cost))  # fmt: skip
    queue_audit(member.id, "redemption.request", "redemption", redemption.id,
                after={"reward": reward.id, "cost": reward.cost})  # fmt: skip
    return redemption
