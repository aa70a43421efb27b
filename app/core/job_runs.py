"""The job_runs history: one row per run, how it ended, its figures or its error."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import JSON, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now_utc
from app.core.leases import JobLease, current_lease
from app.core.types import UTCDateTime
from app.extensions import db

Figures = dict[str, int | float | str]


class JobRun(db.Model):
    """One run of a job: when, how it ended, its figures or its error."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(64), index=True)
    trigger: Mapped[str] = mapped_column(String(16), default="manual")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16), default="running")
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    holder: Mapped[str] = mapped_column(String(200))

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def record_failure(run_id: int, error: str) -> JobRun:
    """End a run as failed with its traceback; commits (the job's own work was rolled back)."""
    run = db.session.get(JobRun, run_id)
    assert run is not None
    run.outcome, run.error, run.finished_at = "failed", error, now_utc()
    db.session.commit()
    return run


def record_skipped(name: str, trigger: str, holder: str) -> JobRun:
    """Record a run that did not start because another holds the lease; commits."""
    lease = current_lease(name)
    reason = "lease held by another run"
    if lease is not None:
        reason = f"lease held by {lease.holder} until {lease.expires_at.isoformat()}"
    now = now_utc()
    return add_run(name, trigger, holder, "skipped", started_at=now, finished_at=now, error=reason)


def add_run(name: str, trigger: str, holder: str, outcome: str, **values: Any) -> JobRun:
    """Write a run row and commit it at once, so it is visible while the job runs."""
    values.setdefault("started_at", now_utc())
    run = JobRun(
        job_name=name, trigger=trigger, holder=holder, outcome=outcome, figures={}, **values
    )
    db.session.add(run)
    db.session.commit()
    return run


INTERRUPTED = "interrupted: its process stopped before it finished (its lease lapsed)"


def mark_interrupted_runs(name: str | None = None, holder: str | None = None) -> int:
    """Runs still "running" whose holder no longer holds a live lease died halfway.

    They become "interrupted", ended now. ``name`` and ``holder``: the run about to start
    under the lease it just took, whose own row is left alone. Caller commits.
    """
    now = now_utc()
    live = (
        select(JobLease.job_name)
        .where(
            JobLease.job_name == JobRun.job_name,
            JobLease.holder == JobRun.holder,
            JobLease.expires_at >= now,
        )
        .exists()
    )
    conditions = [JobRun.outcome == "running", ~live]
    if name is not None:
        conditions.append(JobRun.job_name == name)
    if holder is not None:
        conditions.append(JobRun.holder != holder)
    return db.session.execute(
        update(JobRun)
        .where(*conditions)
        .values(outcome="interrupted", error=INTERRUPTED, finished_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def describe_figures(run: JobRun | None) -> str:
    """A run's figures on one line: "deleted=3 kept=2"."""
    if run is None or not run.figures:
        return ""
    return " ".join(f"{key}={value}" for key, value in run.figures.items())


def prune_job_runs(as_of: datetime | None = None, **options: Any) -> Figures:
    """Delete finished job runs older than JOB_RUNS_KEEP_DAYS (option keep_days)."""
    keep_days = int(options.get("keep_days", current_app.config["JOB_RUNS_KEEP_DAYS"]))
    cutoff = (as_of or now_utc()) - timedelta(days=keep_days)
    deleted = db.session.execute(
        delete(JobRun)
        .where(JobRun.started_at < cutoff, JobRun.outcome != "running")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return {"deleted": deleted}
