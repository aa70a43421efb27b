"""Rewards, their codes, members' redemptions and the append-only spending history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now_utc
from app.core.types import UTCDateTime
from app.extensions import db

# Who may redeem: everyone, members from a level on, or the members of a segment of the
# last ambassador run.
EVERYONE, MIN_LEVEL, SEGMENT = "everyone", "min_level", "segment"
ELIGIBILITY_KINDS = (EVERYONE, MIN_LEVEL, SEGMENT)
ELIGIBLE_SEGMENTS = ("ambassador", "rising")
# How a reward reaches the member.
SHIPPED, CODE, EVENT = "shipped", "code", "event"
DELIVERIES = (SHIPPED, CODE, EVENT)

REQUESTED, SENT, CODE_GIVEN, HANDED_OVER, CANCELLED = (
    "requested",
    "shipped",
    "code_given",
    "handed_over",
    "cancelled",
)
REDEMPTION_STATES = (REQUESTED, SENT, CODE_GIVEN, HANDED_OVER, CANCELLED)
# What delivering each kind of reward turns a request into.
DELIVERED_STATE = {SHIPPED: SENT, CODE: CODE_GIVEN, EVENT: HANDED_OVER}

DEBIT, REFUND = "debit", "refund"


class Reward(db.Model):
    """Something members spend their points on, with its stock and who may have it."""

    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint("cost > 0", name="cost_positive"),
        # NULL is an unlimited stock; a number never goes below zero, whatever races.
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint("per_member_limit IS NULL OR per_member_limit > 0", name="limit_positive"),
        Index("ix_rewards_archived_position", "archived_at", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_en: Mapped[str] = mapped_column(String(200), default="")
    title_fr: Mapped[str] = mapped_column(String(200), default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    # The stored picture's file name under the instance folder (pictures.py), or None.
    picture: Mapped[str | None] = mapped_column(String(80))
    cost: Mapped[int] = mapped_column()
    stock: Mapped[int | None] = mapped_column()
    # How many a member may redeem (cancelled redemptions do not count); None: no limit.
    per_member_limit: Mapped[int | None] = mapped_column()
    eligibility: Mapped[str] = mapped_column(String(16), default=EVERYONE)
    # The level's number (1 = the first) or the segment's name, by eligibility.
    eligibility_value: Mapped[str] = mapped_column(String(16), default="")
    delivery: Mapped[str] = mapped_column(String(16), default=SHIPPED)
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Archived rewards leave the catalogue; their redemptions stay.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def title(self, language: str | None) -> str:
        """The title in the reader's language, or the other one when that one is empty."""
        return _pick(self.title_fr, self.title_en, language)

    def description(self, language: str | None) -> str:
        return _pick(self.description_fr, self.description_en, language)


def _pick(french: str, english: str, language: str | None) -> str:
    if language == "fr":
        return french or english
    return english or french


class RewardCode(db.Model):
    """One code of the list staff uploaded for a reward; given to one redemption, once."""

    __tablename__ = "reward_codes"
    __table_args__ = (UniqueConstraint("reward_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    # Unique: a code goes to one redemption, and a redemption gets one code.
    redemption_id: Mapped[int | None] = mapped_column(
        ForeignKey("redemptions.id", ondelete="SET NULL"), unique=True
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class Redemption(db.Model):
    """A member's request for a reward, at the cost of the day, and where it stands."""

    __tablename__ = "redemptions"
    __table_args__ = (
        Index("ix_redemptions_user_created", "user_id", "created_at"),
        Index("ix_redemptions_reward_user", "reward_id", "user_id"),
        Index("ix_redemptions_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="CASCADE"))
    cost: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default=REQUESTED)
    tracking_note: Mapped[str] = mapped_column(String(300), default="")
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The staff member who delivered or cancelled it.
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class SpendingEntry(db.Model):
    """One debit (a redemption) or refund (its cancellation): append-only.

    The unique (redemption, kind) makes a double click or two staff cancelling at once
    debit or refund once."""

    __tablename__ = "reward_spending"
    __table_args__ = (
        UniqueConstraint("redemption_id", "kind"),
        Index("ix_reward_spending_user", "user_id", "created_at"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemptions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    # Always positive: a debit takes them, a refund gives them back.
    points: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class RewardWallet(db.Model):
    """A member's net points spent (debits minus refunds): a total derived from the
    spending history, kept for fast reads; `tribune points verify` recomputes it."""

    __tablename__ = "reward_wallets"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    spent: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
