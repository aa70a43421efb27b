"""Read models of the rewards' pages: one query per page section, no N+1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.core.paging import Page, make_page
from app.extensions import db
from app.rewards.models import (
    CANCELLED,
    REQUESTED,
    Redemption,
    Reward,
    RewardCode,
    SpendingEntry,
)

PER_PAGE = 50


def _free_codes() -> Any:
    return (
        select(func.count(RewardCode.id))
        .where(RewardCode.reward_id == Reward.id, RewardCode.redemption_id.is_(None))
        .scalar_subquery()
    )


def catalogue(user_id: int) -> list[tuple[Reward, int, int]]:
    """Rewards offered, in order: (reward, codes left, the member's live redemptions)."""
    mine = (
        select(func.count(Redemption.id))
        .where(Redemption.reward_id == Reward.id, Redemption.user_id == user_id,
               Redemption.state != CANCELLED)
        .scalar_subquery()
    )  # fmt: skip
    rows = db.session.execute(
        select(Reward, _free_codes(), mine)
        .where(Reward.archived_at.is_(None))
        .order_by(Reward.position, Reward.id)
    ).all()
    return [(reward, int(codes), int(count)) for reward, codes, count in rows]


def offered(reward_id: int) -> Reward | None:
    """A reward of the catalogue (not archived)."""
    return db.session.scalar(
        select(Reward).where(Reward.id == reward_id, Reward.archived_at.is_(None))
    )


def reward_by_id(reward_id: int) -> Reward | None:
    return db.session.get(Reward, reward_id)


@dataclass(frozen=True)
class HistoryRow:
    redemption: Redemption
    reward: Reward
    code: str | None


def history(user_id: int, page: int) -> Page:
    """The member's redemptions, newest first, with their reward and handed-over code."""
    rows = db.session.execute(
        select(Redemption, Reward, RewardCode.code)
        .join(Reward, Reward.id == Redemption.reward_id)
        .outerjoin(RewardCode, RewardCode.redemption_id == Redemption.id)
        .where(Redemption.user_id == user_id)
        .order_by(Redemption.created_at.desc(), Redemption.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    ).all()
    return make_page([HistoryRow(r, w, c) for r, w, c in rows], page, PER_PAGE)


def spending(user_id: int, limit: int = 20) -> list[tuple[SpendingEntry, Reward]]:
    """The member's latest debits and refunds."""
    rows = db.session.execute(
        select(SpendingEntry, Reward)
        .join(Redemption, Redemption.id == SpendingEntry.redemption_id)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(SpendingEntry.user_id == user_id)
        .order_by(SpendingEntry.created_at.desc(), SpendingEntry.id.desc())
        .limit(limit)
    ).all()
    return [(entry, reward) for entry, reward in rows]


def staff_list() -> list[tuple[Reward, int, int, int]]:
    """Every reward: (reward, codes left, redemptions waiting, redemptions in all)."""
    waiting = func.sum(case((Redemption.state == REQUESTED, 1), else_=0))
    counts = (
        select(Redemption.reward_id, waiting.label("waiting"), func.count().label("total"))
        .group_by(Redemption.reward_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Reward, _free_codes(), func.coalesce(counts.c.waiting, 0),
               func.coalesce(counts.c.total, 0))
        .outerjoin(counts, counts.c.reward_id == Reward.id)
        .order_by(Reward.archived_at.is_not(None), Reward.position, Reward.id)
    ).all()  # fmt: skip
    return [(r, int(c), int(w), int(t)) for r, c, w, t in rows]


@dataclass(frozen=True)
class QueueRow:
    redemption: Redemption
    reward: Reward
    member: User
    code: str | None
    handler: str | None


def queue(state: str | None, page: int) -> Page:
    """Redemptions for staff, oldest waiting first (or newest first for a past state)."""
    handler = aliased(User)
    query = (
        select(Redemption, Reward, User, RewardCode.code, handler.username)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(User, User.id == Redemption.user_id)
        .outerjoin(RewardCode, RewardCode.redemption_id == Redemption.id)
        .outerjoin(handler, handler.id == Redemption.handled_by_id)
    )
    if state:
        query = query.where(Redemption.state == state)
    if state == REQUESTED:
        query = query.order_by(Redemption.created_at, Redemption.id)
    else:
        query = query.order_by(Redemption.created_at.desc(), Redemption.id.desc())
    rows = db.session.execute(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)).all()
    return make_page([QueueRow(*row) for row in rows], page, PER_PAGE)
