"""Staff work the redemptions: deliver (ship with a tracking note, hand over the code,
hand over at an event) or cancel with a refund. Each step is audited and tells the member.

A step locks the redemption row (after the member's, the order redeeming takes) and
checks its state under the lock: two staff pressing at once, or a double click, act
once; the refund's unique key (redemption, kind) would refuse a second one anyway.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.accounts.models import User
from app.ambassadors.signals import withdraw_signal
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.notifications import notify
from app.core.sql import savepoint
from app.core.urls import path_for
from app.extensions import db
from app.rewards import balance
from app.rewards.errors import RewardError
from app.rewards.models import (
    CANCELLED,
    CODE,
    DELIVERED_STATE,
    REQUESTED,
    SHIPPED,
    Redemption,
    Reward,
    RewardCode,
)
from app.rewards.redeeming import SIGNAL_SOURCE

NOTE_MAX = 300
# The notification kind each state sends.
NOTIFIED = {
    "shipped": "rewards.shipped",
    "code_given": "rewards.code_given",
    "handed_over": "rewards.handed_over",
    "cancelled": "rewards.cancelled",
}


def _locked(actor: User, redemption_id: int) -> tuple[Redemption, Reward]:
    if not actor.can("reward.manage"):
        raise RewardError(_l("You are not allowed to manage rewards."), 403)
    user_id = db.session.scalar(select(Redemption.user_id).where(Redemption.id == redemption_id))
    if user_id is None:
        raise RewardError(_l("This redemption does not exist."), 404)
    balance.lock_member(user_id)
    redemption = db.session.scalar(
        select(Redemption)
        .where(Redemption.id == redemption_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert redemption is not None  # redemptions are never deleted but with their member
    reward = db.session.get(Reward, redemption.reward_id)
    assert reward is not None
    return redemption, reward


def _tell(redemption: Redemption, reward: Reward) -> None:
    notify([redemption.user_id], NOTIFIED[redemption.state], path_for("rewards.history"),
           title_en=reward.title_en, title_fr=reward.title_fr,
           note=redemption.tracking_note)  # fmt: skip


def deliver(actor: User, redemption_id: int, note: str = "", at: datetime | None = None) -> bool:
    """Mark a requested redemption delivered the reward's way; False if it was already
    handled (a double click). The caller commits."""
    at = at or now_utc()
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise RewardError(_l("The note is too long (at most 300 characters)."), field="note")
    with savepoint():
        redemption, reward = _locked(actor, redemption_id)
        if redemption.state != REQUESTED:
            return False
        if reward.delivery == SHIPPED and not note:
            raise RewardError(_l("Give a tracking note (carrier, number)."), field="note")
        if reward.delivery == CODE and code_of(redemption.id) is None:
            raise RewardError(_l("No code is reserved for this redemption."))
        redemption.state = DELIVERED_STATE[reward.delivery]
        redemption.tracking_note = note
        redemption.delivered_at, redemption.handled_by_id = at, actor.id
        _tell(redemption, reward)
    queue_audit(actor.id, "redemption.deliver", "redemption", redemption.id,
                before={"state": REQUESTED},
                after={"state": redemption.state, "note": note} if note
                else {"state": redemption.state})  # fmt: skip
    return True


def cancel(actor: User, redemption_id: int, reason: str = "", at: datetime | None = None) -> bool:
    """Cancel a requested redemption and refund its cost, once; puts the item (and its
    code) back in stock. False if it was already handled. The caller commits."""
    at = at or now_utc()
    reason = reason.strip()
    if len(reason) > NOTE_MAX:
        raise RewardError(_l("The reason is too long (at most 300 characters)."), field="reason")
    with savepoint():
        redemption, reward = _locked(actor, redemption_id)
        if redemption.state != REQUESTED:
            return False
        redemption.state, redemption.cancel_reason = CANCELLED, reason
        redemption.cancelled_at, redemption.handled_by_id = at, actor.id
        balance.refund(redemption.user_id, redemption.id, redemption.cost, at)
        if reward.stock is not None:
            db.session.execute(
                update(Reward).where(Reward.id == reward.id).values(stock=Reward.stock + 1)
            )
        # The code was never shown to the member: it goes back to the list.
        db.session.execute(
            update(RewardCode).where(RewardCode.redemption_id == redemption.id)
            .values(redemption_id=None)
        )  # fmt: skip
        # A cancelled redemption is no outside activity: the opportunists' rule stops
        # counting it.
        withdraw_signal(SIGNAL_SOURCE, str(redemption.id))
        _tell(redemption, reward)
    queue_audit(actor.id, "redemption.cancel", "redemption", redemption.id,
                before={"state": REQUESTED}, after={"state": CANCELLED, "refund": redemption.cost},
                reason=reason)  # fmt: skip
    return True


def code_of(redemption_id: int) -> str | None:
    """The code reserved for this redemption, if any."""
    return db.session.scalar(
        select(RewardCode.code).where(RewardCode.redemption_id == redemption_id)
    )
