"""The community-health summary tables: small, derived, rewritten by the nightly job.

Every row here is derived from the forum, moderation and ambassadors tables by
``summary.refresh`` (the job ``community-health``) and can be rebuilt from them at any
time; the dashboard reads only these tables. No foreign keys, on purpose (like the
ambassadors' derived rows): the job deletes and rewrites them in one transaction, and a
category that is removed simply stops being shown.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.types import UTCDateTime
from app.extensions import db

PERIOD_KINDS = ("week", "month", "quarter")
# category_id of the rows about the whole community.
WHOLE_COMMUNITY = 0


class HealthSlot(db.Model):
    """A quarter of an hour (UTC epoch seconds // 900) and the periods, in the site's time
    zone, that it falls in: the job buckets every timestamp with one equality join."""

    __tablename__ = "health_slots"

    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # None where the slot is older than the kept history of that kind.
    week: Mapped[date | None] = mapped_column(Date)
    month: Mapped[date | None] = mapped_column(Date)
    quarter: Mapped[date | None] = mapped_column(Date)


class HealthFigures(db.Model):
    """One period (a week, a month or a quarter) of one scope: the whole community
    (category_id 0) or one category. Durations are in seconds."""

    __tablename__ = "health_figures"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Content: visible posts written in the period; active members: their distinct authors.
    posts: Mapped[int] = mapped_column(default=0)
    active_members: Mapped[int] = mapped_column(default=0)
    # Questions asked in the period, and what became of them by the run.
    questions: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)
    solved: Mapped[int] = mapped_column(default=0)
    first_answer_median: Mapped[float | None] = mapped_column(Float)
    first_answer_p90: Mapped[float | None] = mapped_column(Float)
    solution_median: Mapped[float | None] = mapped_column(Float)
    solution_p90: Mapped[float | None] = mapped_column(Float)
    # Who wrote the first answer (as members stand at the run).
    answered_by_members: Mapped[int] = mapped_column(default=0)
    answered_by_helpers: Mapped[int] = mapped_column(default=0)
    answered_by_staff: Mapped[int] = mapped_column(default=0)
    # Members who joined in the period, those of them who posted, and those who posted
    # again within 30 days of their first post.
    new_members: Mapped[int] = mapped_column(default=0)
    new_who_posted: Mapped[int] = mapped_column(default=0)
    new_who_returned: Mapped[int] = mapped_column(default=0)
    # Moderation.
    flags: Mapped[int] = mapped_column(default=0)
    flags_reviewed: Mapped[int] = mapped_column(default=0)
    review_median: Mapped[float | None] = mapped_column(Float)
    review_p90: Mapped[float | None] = mapped_column(Float)
    hidden_posts: Mapped[int] = mapped_column(default=0)
    # None for a category: sanctions are given to members, not in a category.
    sanctions: Mapped[int | None] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HealthCurve(db.Model):
    """The concentration curve of one period and scope: the share of its posts written by
    the top ``percent`` % of its authors (ranked by posts)."""

    __tablename__ = "health_curve"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    percent: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    authors: Mapped[int] = mapped_column(default=0)  # how many authors that top share is
    posts: Mapped[int] = mapped_column(default=0)  # and how many posts they wrote


class HealthRun(db.Model):
    """The size of each segment after one ambassador run."""

    __tablename__ = "health_runs"

    run_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    eligible: Mapped[int] = mapped_column(default=0)
    ambassadors: Mapped[int] = mapped_column(default=0)
    rising: Mapped[int] = mapped_column(default=0)
    opportunists: Mapped[int] = mapped_column(default=0)


class HealthScoreBin(db.Model):
    """The score distribution of the latest ambassador run: eligible members per bin."""

    __tablename__ = "health_score_bins"

    run_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    bin: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    low: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    members: Mapped[int] = mapped_column(default=0)
