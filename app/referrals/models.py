"""Referral codes, the visits through them, the members' browsers, and the referrals."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now_utc
from app.core.types import UTCDateTime
from app.extensions import db

PENDING, CONVERTED, REFUSED, REVERSED = "pending", "converted", "refused", "reversed"
STATES = (PENDING, CONVERTED, REFUSED, REVERSED)
# Why a referral does not count (kept on the row, for moderators).
SAME_EMAIL, SAME_IP, SAME_BROWSER = "same_email", "same_ip", "same_browser"
SUSPENDED, DAILY_CAP = "suspended", "daily_cap"
REFUSALS = (SAME_EMAIL, SAME_IP, SAME_BROWSER, SUSPENDED, DAILY_CAP)
# Why a conversion was taken back.
REMOVED_FOR_ABUSE = "removed_for_abuse"
# What converted it.
VIA_POST, VIA_PURCHASE = "post", "purchase"


class ReferralCode(db.Model):
    """A member's personal code, the end of their link /r/<code>. One per member."""

    __tablename__ = "referral_codes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class ReferralVisit(db.Model):
    """A browser that came through a member's link: counted once per referrer."""

    __tablename__ = "referral_visits"
    __table_args__ = (
        UniqueConstraint("referrer_id", "visitor_hash"),
        Index("ix_referral_visits_visited", "visited_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # A hash of the browser's visitor cookie, never the cookie itself.
    visitor_hash: Mapped[str] = mapped_column(String(64))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class ReferralBrowser(db.Model):
    """A browser a member used while logged in (hashed visitor cookie): a sign-up from it
    through their own link is a self-referral."""

    __tablename__ = "referral_browsers"
    __table_args__ = (Index("ix_referral_browsers_visitor", "visitor_hash"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    visitor_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class Referral(db.Model):
    """A member who signed up after a visit through another's link, and what it became."""

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_referrer_state", "referrer_id", "state"),
        # The daily cap counts a referrer's conversions of one day.
        Index("ix_referrals_referrer_day", "referrer_id", "converted_day"),
        Index("ix_referrals_state_created", "state", "created_at"),
        Index("ix_referrals_decided", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # A member is somebody's referral once at most.
    referred_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    # Why it was refused or reversed (REFUSALS, REMOVED_FOR_ABUSE); None otherwise.
    reason: Mapped[str | None] = mapped_column(String(32))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the first touch
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)  # sign-up
    # Hashes (keyed with the secret key) of the sign-up's address and browser, so
    # moderators can see referrals that come from one place; never the address itself.
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    visitor_hash: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    converted_via: Mapped[str | None] = mapped_column(String(16))
    # The UTC day of the conversion (or of the refusal by the cap): the cap's unit.
    converted_day: Mapped[date | None] = mapped_column(Date)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
