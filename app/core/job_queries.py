"""What /admin/jobs reads: each job's latest runs and the leases held now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from app.core.job_runs import JobRun
from app.core.leases import JobLease
from app.extensions import db


def latest_runs(names: Iterable[str], per_job: int) -> dict[str, list[JobRun]]:
    """The ``per_job`` latest runs of each job, newest first, in one query."""
    names = list(names)
    ranked = (
        select(
            JobRun.id,
            func.row_number()
            .over(partition_by=JobRun.job_name, order_by=JobRun.id.desc())
            .label("place"),
        )
        .where(JobRun.job_name.in_(names))
        .subquery()
    )
    kept = select(ranked.c.id).where(ranked.c.place <= per_job)
    found: dict[str, list[JobRun]] = {name: [] for name in names}
    for run in db.session.scalars(
        select(JobRun).where(JobRun.id.in_(kept)).order_by(JobRun.job_name, JobRun.id.desc())
    ):
        found[run.job_name].append(run)
    return found


def live_leases(now: datetime) -> dict[str, JobLease]:
    """The leases held now, by job name: those jobs are running."""
    return {
        lease.job_name: lease
        for lease in db.session.scalars(select(JobLease).where(JobLease.expires_at >= now))
    }
