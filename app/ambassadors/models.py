"""Engagement runs and scores, ambassador statuses and their history, segments, signals."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now_utc
from app.core.types import UTCDateTime
from app.extensions import db

STATUSES = ("member", "ambassador")
SEGMENTS = ("ambassador", "rising", "opportunist")
# What brands bring from outside the forum; each kind has its own weight.
# survey (a completed campaign survey) and co_creation (taking part in a workshop) come
# from the brand's own campaigns (app/invitations/score.py), and may be imported too.
# redemption (a reward redeemed with points, app/rewards) weighs nothing in the score:
# it only tells the opportunists' segment that a member's activity is about rewards.
SIGNAL_KINDS = (
    "purchase",
    "review",
    "referral",
    "event",
    "social_follow",
    "survey",
    "co_creation",
    "redemption",
)


class AmbassadorRun(db.Model):
    """One evaluation of the community as it stood at ``as_of``, with the weights it used."""

    __tablename__ = "ambassador_runs"
    __table_args__ = (Index("ix_ambassador_runs_as_of", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    window_days: Mapped[int] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Weights, shares and floors in force, so a breakdown can be explained later.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    eligible_count: Mapped[int] = mapped_column(default=0)
    selected_count: Mapped[int] = mapped_column(default=0)
    # The lowest score that made the top share (None when nobody was eligible).
    cutoff_score: Mapped[float | None] = mapped_column(Float)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def window_start(self) -> datetime:
        """Where the run's window begins (it ends at ``as_of``)."""
        return self.as_of - timedelta(days=self.window_days)


class EngagementScore(db.Model):
    """A member's signals and score in one run: the breakdown behind every decision."""

    __tablename__ = "engagement_scores"
    __table_args__ = (
        # Rows are read by run (the ranking) or by run and member (the primary key);
        # every other index would be updated for each of the job's rows every night.
        Index("ix_engagement_scores_run_rank", "run_id", "rank"),
    )

    # No foreign keys, on purpose: the job writes these rows in one INSERT ... SELECT
    # from the runs and members tables themselves, inside the run's transaction, and on
    # PostgreSQL checking two keys per row was a third of the job (570,000 rows at
    # 1,000,000 members). Old runs' rows are deleted by the job (KEEP_RUNS); members are
    # never deleted, only deactivated.
    run_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    # Forum signals over the window.
    accepted_answers: Mapped[float] = mapped_column(Float, default=0)
    helpful_votes: Mapped[float] = mapped_column(Float, default=0)  # weighted by the voter
    answers: Mapped[float] = mapped_column(Float, default=0)
    replies: Mapped[float] = mapped_column(Float, default=0)
    comments: Mapped[float] = mapped_column(Float, default=0, server_default="0")  # imported
    rescued_questions: Mapped[float] = mapped_column(Float, default=0)
    topics_started: Mapped[float] = mapped_column(Float, default=0)
    active_days: Mapped[float] = mapped_column(Float, default=0)
    badges_earned: Mapped[float] = mapped_column(Float, default=0)
    flags_upheld: Mapped[float] = mapped_column(Float, default=0)
    # Signals from outside the forum (see SIGNAL_KINDS).
    purchases: Mapped[float] = mapped_column(Float, default=0)
    reviews: Mapped[float] = mapped_column(Float, default=0)  # in five-star units
    referrals: Mapped[float] = mapped_column(Float, default=0)
    events: Mapped[float] = mapped_column(Float, default=0)
    social_follows: Mapped[float] = mapped_column(Float, default=0)
    surveys: Mapped[float] = mapped_column(Float, default=0, server_default="0")
    co_creation: Mapped[float] = mapped_column(Float, default=0, server_default="0")
    redemptions: Mapped[float] = mapped_column(Float, default=0, server_default="0")
    forum_score: Mapped[float] = mapped_column(Float, default=0)
    # External signals before and after their cap relative to the forum score.
    external_raw: Mapped[float] = mapped_column(Float, default=0)
    external_score: Mapped[float] = mapped_column(Float, default=0)
    score: Mapped[float] = mapped_column(Float, default=0)
    eligible: Mapped[bool] = mapped_column(default=False)
    # 1, 2, 3... among eligible members (ties broken deterministically); None otherwise.
    rank: Mapped[int | None] = mapped_column()


class AmbassadorStatus(db.Model):
    """A member's current status; derived from the history, kept for fast reads."""

    __tablename__ = "ambassador_statuses"
    __table_args__ = (Index("ix_ambassador_statuses_status", "status"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default="member")
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Set when an ambassador fell out of the top share: they keep the status until then.
    grace_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A moderator's decision that the job does not override until unpinned.
    pinned: Mapped[bool] = mapped_column(default=False)
    pinned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    pin_reason: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class StatusChange(db.Model):
    """One change of a member's status (or its grace), with why: append-only."""

    __tablename__ = "ambassador_status_changes"
    __table_args__ = (
        Index("ix_ambassador_status_changes_user", "user_id", "created_at"),
        Index("ix_ambassador_status_changes_run", "run_id", "new_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    old_status: Mapped[str] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    # selected, grace_started, requalified, grace_expired, ineligible, promoted_by_hand,
    # demoted_by_hand, unpinned
    reason: Mapped[str] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column()
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("ambassador_runs.id", ondelete="SET NULL")
    )
    # The moderator, for decisions by hand; None for the job.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class SegmentMember(db.Model):
    """A member in one of the brand's segments, as of one run."""

    __tablename__ = "segment_members"
    __table_args__ = (Index("ix_segment_members_run_segment", "run_id", "segment"),)

    # No foreign keys, for the same reason as EngagementScore's.
    run_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    segment: Mapped[str] = mapped_column(String(16), primary_key=True)


class ExternalSignal(db.Model):
    """Something a member did outside the forum, brought in by the brand (CSV or API)."""

    __tablename__ = "external_signals"
    __table_args__ = (Index("ix_external_signals_user_occurred", "user_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float, default=1.0)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(64))
    # The same row imported twice is one signal: a hash of who, what, when and where.
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
