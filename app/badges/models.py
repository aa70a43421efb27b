"""Points ledger, point rules, badge awards, precomputed leaderboards, voting reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now_utc
from app.core.types import UTCDateTime
from app.extensions import db


class LedgerEntry(db.Model):
    """One change of a member's points. Append-only: a mistake is undone by a reversal."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_user_created", "user_id", "created_at"),
        Index("ix_ledger_entries_created_category", "created_at", "category_id"),
        Index("ix_ledger_entries_post", "post_id"),
        Index("ix_ledger_entries_topic", "topic_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    points: Mapped[int] = mapped_column()
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    # The member whose action caused this entry (the voter, the accepter).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Names the event this entry records: the same event delivered twice is one entry.
    event_key: Mapped[str] = mapped_column(String(160), unique=True)
    # Set on a reversal: the entry it cancels (at most one reversal per entry).
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(String(64))
    # Vote points count toward the daily cap; accepted answers and badges do not.
    capped: Mapped[bool] = mapped_column(default=False)


class PointRule(db.Model):
    """An administrator's override of a default point value from the configuration."""

    __tablename__ = "point_rules"

    action: Mapped[str] = mapped_column(String(32), primary_key=True)
    points: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class BadgeAward(db.Model):
    """A badge held by a member, with why it was given."""

    __tablename__ = "badge_awards"
    __table_args__ = (
        Index("ix_badge_awards_badge_active", "badge", "revoked_at"),
        Index("ix_badge_awards_user", "user_id", "awarded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    badge: Mapped[str] = mapped_column(String(48))
    # badge:user for single awards, badge:user:post (or :category) for repeatable ones:
    # granting twice is one award.
    award_key: Mapped[str] = mapped_column(String(160), unique=True)
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    reason: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The figure that earned it (votes, answers, days in a row, score), for rule badges.
    figure: Mapped[int | None] = mapped_column()
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LeaderboardEntry(db.Model):
    """A member's place on one board (period, category 0 = all), recomputed by a job."""

    __tablename__ = "leaderboard_entries"
    __table_args__ = (
        Index("ix_leaderboard_entries_member", "period", "category_id", "user_id", unique=True),
    )

    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    # 1, 2, 3... without gaps, for paging; rank is shared by ties.
    position: Mapped[int] = mapped_column(primary_key=True)
    rank: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    points: Mapped[int] = mapped_column()


class VotingReport(db.Model):
    """Suspicious voting between two members, for the moderators' queue."""

    __tablename__ = "voting_reports"
    __table_args__ = (
        Index("ix_voting_reports_status", "status", "created_at"),
        # The ambassador score leaves out votes of reported pairs, one lookup per vote.
        Index("ix_voting_reports_pair", "voter_id", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "serial" (reversed) or "ring" (reported)
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    votes: Mapped[int] = mapped_column()
    points_reversed: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Unique per pair and window, so running the job twice reports once.
    report_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class MemberVisit(db.Model):
    """A day on which a member visited (for the visiting-days badges)."""

    __tablename__ = "member_visits"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # UTC


class HistoryRebuild(db.Model):
    """A rebuild of points and badges from the forum's history (after an import), with
    what the history looked like once it was done: a rebuild that finds the same does
    nothing (app/badges/history.py)."""

    __tablename__ = "history_rebuilds"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    entries: Mapped[int] = mapped_column(default=0)
    # Counts and highest ids of the tables a rebuild reads and writes.
    fingerprint: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
