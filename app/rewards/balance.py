"""The spendable balance: lifetime points earned, minus points spent, plus refunds.

Lifetime points are ``users.points``, the badges' total of the ledger: what was earned,
less what was reversed (a retracted vote was never earned). Levels, leaderboards and the
ambassador score read them and nothing here writes them, so spending never lowers a
member's status. What a member spent is the spending history (``reward_spending``, one
debit per redemption, one refund per cancellation); ``reward_wallets`` keeps its net
total per member, which `tribune points verify` recomputes.

A change of the balance happens under the member's row lock (the one the points ledger
takes): two redemptions of one member are served one after the other, each seeing what
the other spent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update

from app.accounts.models import User
from app.core.sql import insert_for
from app.extensions import db
from app.rewards.models import DEBIT, REFUND, RewardWallet, SpendingEntry


def lock_member(user_id: int) -> int:
    """Lock the member's row (FOR UPDATE; SQLite has one writer) and return their
    lifetime points as they stand under the lock."""
    points = db.session.scalar(select(User.points).where(User.id == user_id).with_for_update())
    return int(points or 0)


def spent(user_id: int) -> int:
    """Net points spent (debits minus refunds), from the wallet."""
    return int(
        db.session.scalar(select(RewardWallet.spent).where(RewardWallet.user_id == user_id)) or 0
    )


def spendable(user: User) -> int:
    """What the member may spend now (never below zero on the page)."""
    return max(0, int(user.points or 0) - spent(user.id))


def _move(user_id: int, redemption_id: int, kind: str, points: int, at: datetime) -> bool:
    """One row of the history and the wallet's total with it; False if the row existed."""
    added = db.session.execute(
        insert_for(SpendingEntry)
        .values(user_id=user_id, redemption_id=redemption_id, kind=kind, points=points,
                created_at=at)
        .on_conflict_do_nothing(index_elements=["redemption_id", "kind"])
    ).rowcount  # fmt: skip
    if not added:
        return False
    delta = points if kind == DEBIT else -points
    db.session.execute(
        insert_for(RewardWallet)
        .values(user_id=user_id, spent=0, updated_at=at)
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    db.session.execute(
        update(RewardWallet)
        .where(RewardWallet.user_id == user_id)
        .values(spent=RewardWallet.spent + delta, updated_at=at)
    )
    return True


def debit(user_id: int, redemption_id: int, points: int, at: datetime) -> bool:
    """Take a redemption's cost (call under lock_member)."""
    return _move(user_id, redemption_id, DEBIT, points, at)


def refund(user_id: int, redemption_id: int, points: int, at: datetime) -> bool:
    """Give a cancelled redemption's cost back, once (call under lock_member)."""
    return _move(user_id, redemption_id, REFUND, points, at)


def _history_totals() -> Any:
    signed = case((SpendingEntry.kind == DEBIT, SpendingEntry.points), else_=-SpendingEntry.points)
    return (
        select(SpendingEntry.user_id, func.sum(signed).label("spent"))
        .group_by(SpendingEntry.user_id)
        .subquery()
    )


def _rows(condition_of: object, limit: int) -> list[Any]:
    history = _history_totals()
    recorded = func.coalesce(RewardWallet.spent, 0)
    computed = func.coalesce(history.c.spent, 0)
    condition = condition_of(recorded, computed)  # type: ignore[operator]
    return list(
        db.session.execute(
            select(User.id, User.username, User.points, recorded, computed)
            .select_from(User)
            .outerjoin(RewardWallet, RewardWallet.user_id == User.id)
            .outerjoin(history, history.c.user_id == User.id)
            .where(condition)
            .order_by(User.id)
            .limit(limit)
        ).all()
    )


def wallet_mismatches(limit: int = 50) -> list[str]:
    """Members whose points spent differ from their spending history (set-based)."""
    rows = _rows(lambda recorded, computed: recorded != computed, limit)
    return [f"{name} (#{uid}): points spent {wallet}, spending history {total}"
            for uid, name, _points, wallet, total in rows]  # fmt: skip


def negative_balances(limit: int = 50) -> list[str]:
    """Members who spent more than they now hold: points reversed after they spent them
    (serial votes undone). Not an error of the totals; staff may want to look."""
    rows = _rows(lambda recorded, computed: User.points - computed < 0, limit)
    return [f"{name} (#{uid}): spendable balance {points - total} (lifetime {points}, "
            f"spent {total})" for uid, name, points, _wallet, total in rows]  # fmt: skip


def fix_wallets() -> int:
    """Set every wallet to its history's total; returns the wallets changed."""
    signed = case((SpendingEntry.kind == DEBIT, SpendingEntry.points), else_=-SpendingEntry.points)
    total = (
        select(func.coalesce(func.sum(signed), 0))
        .where(SpendingEntry.user_id == RewardWallet.user_id)
        .scalar_subquery()
    )
    return int(
        db.session.execute(
            update(RewardWallet).where(RewardWallet.spent != total).values(spent=total)
        ).rowcount
        or 0
    )
