"""A referral converts, is refused, or is taken back; and what a conversion earns.

A referral converts when the friend's first contribution has stayed REFERRAL_STAY_DAYS
(a post neither deleted nor hidden by then: the job), or at once when a purchase signal
arrives for them; never at sign-up. A friend suspended by then, or a referrer past
REFERRAL_DAILY_CAP conversions that day, makes it refused instead, with the reason.

Race-free: every decision on a referrer's referrals first locks the referrer's member
row (as the points ledger does), then re-reads the referral and moves it out of
"pending" with a conditional UPDATE: of two runs at once (the job and a purchase, two
workers), one decides and the other finds it decided; the daily cap is counted under
that lock, so two conversions of one referrer can never both take the last place. The
points entry has its own unique event key ("referral:<id>") on top.

On conversion the referrer gets REFERRAL_POINTS in the ledger (action "referral", not
capped), the Referrer badge tier their count reached, and a "referral" external
signal (the ambassador score weighs it); both members are notified. When the friend is
later removed for abuse (suspended until lifted), the points are reversed, the signal
withdrawn and the tiers no longer reached taken back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, func, select, update

from app.accounts.models import User
from app.ambassadors import signals
from app.ambassadors.models import ExternalSignal
from app.badges import awards, points
from app.badges.models import LedgerEntry
from app.core.clock import now_utc
from app.core.event_payloads import ExternalSignalsStored, MemberSuspended
from app.core.notifications import notify
from app.core.urls import path_for
from app.extensions import db
from app.forum.models import Post, Topic
from app.referrals.models import (
    CONVERTED,
    DAILY_CAP,
    PENDING,
    REFUSED,
    REMOVED_FOR_ABUSE,
    REVERSED,
    SUSPENDED,
    VIA_POST,
    VIA_PURCHASE,
    Referral,
)

LEDGER_ACTION = "referral"
SIGNAL_SOURCE = "tribune-referrals"


def ledger_key(referral_id: int) -> str:
    return f"referral:{referral_id}"


def _lock_referrer(referrer_id: int) -> None:
    """Serialise decisions on one referrer's referrals (a row lock on PostgreSQL)."""
    db.session.execute(update(User).where(User.id == referrer_id).values(points=User.points))


def _fresh(referral_id: int) -> Referral | None:
    return db.session.scalar(
        select(Referral).where(Referral.id == referral_id).execution_options(populate_existing=True)
    )


def conversions_on(referrer_id: int, day: object) -> int:
    """Conversions the referrer had on a UTC day (those reversed since count too)."""
    return (
        db.session.scalar(
            select(func.count(Referral.id)).where(
                Referral.referrer_id == referrer_id,
                Referral.converted_day == day,
                Referral.state.in_((CONVERTED, REVERSED)),
            )
        )
        or 0
    )


def _move(referral_id: int, state: str, **values: object) -> bool:
    """Take the referral out of "pending" unless someone else already did."""
    result = db.session.execute(
        update(Referral)
        .where(Referral.id == referral_id, Referral.state == PENDING)
        .values(state=state, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def convert(referral_id: int, via: str, at: datetime | None = None) -> str | None:
    """Decide a pending referral: "converted", or "refused" (suspended friend, daily cap);
    None if it was not pending. The caller commits."""
    at = at or now_utc()
    referrer_id = db.session.scalar(select(Referral.referrer_id).where(Referral.id == referral_id))
    if referrer_id is None:
        return None
    _lock_referrer(referrer_id)
    referral = _fresh(referral_id)
    if referral is None or referral.state != PENDING:
        return None
    friend = db.session.get(User, referral.referred_id)
    day = at.date()
    if friend is None or not friend.active or friend.is_suspended(at):
        reason: str | None = SUSPENDED
    elif conversions_on(referrer_id, day) >= int(current_app.config["REFERRAL_DAILY_CAP"]):
        reason = DAILY_CAP
    else:
        reason = None
    if reason is not None:
        _move(referral_id, REFUSED, reason=reason, decided_at=at, converted_day=day)
        return REFUSED
    if not _move(referral_id, CONVERTED, decided_at=at, converted_via=via, converted_day=day):
        return None
    _reward(referral, friend, at)
    return CONVERTED


def converted_count(referrer_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Referral.id)).where(
                Referral.referrer_id == referrer_id, Referral.state == CONVERTED
            )
        )
        or 0
    )


def _reward(referral: Referral, friend: User, at: datetime) -> None:
    referrer_id = referral.referrer_id
    value = int(current_app.config["REFERRAL_POINTS"])
    points.record(
        points.Award(user_id=referrer_id, action=LEDGER_ACTION, event_key=ledger_key(referral.id),
                     at=at, actor_id=friend.id),
        points=value,
    )  # fmt: skip
    count = converted_count(referrer_id)
    for slug, threshold in current_app.config["REFERRAL_BADGE_TIERS"].items():
        if count >= threshold:
            awards.grant(referrer_id, slug, reason={"referrals": count}, at=at)
    signals.record_signal(referrer_id, "referral", at, SIGNAL_SOURCE, ledger_key(referral.id))
    url = path_for("referrals.mine")
    referrer_name = db.session.scalar(select(User.username).where(User.id == referrer_id))
    notify([referrer_id], "referrals.converted", url, friend=friend.username, points=value)
    notify([friend.id], "referrals.counted", url, referrer=referrer_name or "")


def reverse_for(referred_id: int, at: datetime | None = None) -> bool:
    """Take back the conversion of a friend removed for abuse; refuse it if pending.
    True if something changed. The caller commits."""
    at = at or now_utc()
    found = db.session.execute(
        select(Referral.id, Referral.referrer_id).where(Referral.referred_id == referred_id)
    ).first()
    if found is None:
        return False
    referral_id, referrer_id = found
    _lock_referrer(referrer_id)
    if _move(referral_id, REFUSED, reason=SUSPENDED, decided_at=at):
        return True
    moved = db.session.execute(
        update(Referral)
        .where(Referral.id == referral_id, Referral.state == CONVERTED)
        .values(state=REVERSED, reason=REMOVED_FOR_ABUSE, reversed_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        return False
    key = ledger_key(referral_id)
    points.reverse_all(points.live_entries(LedgerEntry.event_key == key), REMOVED_FOR_ABUSE, at)
    signals.withdraw_signal(SIGNAL_SOURCE, key)
    count = converted_count(referrer_id)
    for slug, threshold in current_app.config["REFERRAL_BADGE_TIERS"].items():
        if count < threshold:
            awards.revoke(referrer_id, slug, at=at)
    notify([referrer_id], "referrals.reversed", path_for("referrals.mine"))
    return True


def on_suspended(event: MemberSuspended) -> None:
    """A friend suspended until lifted is an account removed for abuse."""
    if event.until is None:
        reverse_for(event.user_id, event.suspended_at)


def _purchased_after_visit() -> object:
    return (
        select(ExternalSignal.id)
        .where(
            ExternalSignal.user_id == Referral.referred_id,
            ExternalSignal.kind == "purchase",
            ExternalSignal.occurred_at >= Referral.visited_at,
        )
        .exists()
    )


def due_by_purchase(user_ids: list[int] | None = None) -> Select[tuple[int]]:
    """Pending referrals whose friend bought something since the visit."""
    query = select(Referral.id).where(Referral.state == PENDING, _purchased_after_visit())
    if user_ids is not None:
        query = query.where(Referral.referred_id.in_(user_ids))
    return query.order_by(Referral.id)


def due_by_post(as_of: datetime) -> Select[tuple[int]]:
    """Pending referrals whose friend has a post that stayed the whole stay window, the
    earliest first (the daily cap keeps the first ones)."""
    stayed_since = as_of - timedelta(days=int(current_app.config["REFERRAL_STAY_DAYS"]))
    first_lasting = (
        select(func.min(Post.created_at))
        .join(Topic, Topic.id == Post.topic_id)
        .where(
            Post.author_id == Referral.referred_id,
            Post.created_at <= stayed_since,
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
            Topic.deleted_at.is_(None),
        )
        .scalar_subquery()
    )
    return (
        select(Referral.id)
        .where(Referral.state == PENDING, first_lasting.is_not(None))
        .order_by(first_lasting, Referral.id)
    )


def on_signals(event: ExternalSignalsStored) -> None:
    """A purchase signal converts its member's pending referral at once."""
    buyers = sorted({user_id for user_id, kind in event.signals if kind == "purchase"})
    if not buyers:
        return
    for referral_id in db.session.scalars(due_by_purchase(buyers)).all():
        convert(referral_id, VIA_PURCHASE, event.stored_at)


def convert_due(as_of: datetime) -> dict[str, int]:
    """Decide every referral that is due: the purchases first, then the posts that stayed."""
    figures = {"converted": 0, "refused": 0}
    for via, query in ((VIA_PURCHASE, due_by_purchase()), (VIA_POST, due_by_post(as_of))):
        for referral_id in db.session.scalars(query).all():
            state = convert(referral_id, via, as_of)
            if state is not None:
                figures[state] += 1
    return figures
