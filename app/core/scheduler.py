"""Scheduled jobs: the registry, the job_runs history, the database lease, APScheduler.

A job is a plain function ``func(as_of=None, **options) -> figures`` registered by its
package with ``register_job(app, Job(...))``. It runs inside an application context and
never commits: ``run_job`` commits its work once, with the record of its run (a run too
long for one transaction commits its chunks with ``events.commit_chunk()``). It must be
idempotent: a run killed halfway is finished by the next one. ``run_job`` is the only
way a job runs (on schedule, by hand, in tests): it takes the job's lease in the
database, so two scheduler processes, or a manual run beside a scheduled one, never run
the same job at once, and records every run in ``job_runs``. While a job runs its
process renews the lease (app/core/leases.py), so a holder killed halfway loses it
within minutes: the next run takes over and marks the dead run "interrupted". A
scheduler that starts after it missed a daily run runs that job once, at start.

The run history is app/core/job_runs.py; the scheduler process (APScheduler, catch-up,
the in-process scheduler of ``tribune run``) is app/core/scheduling.py.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import events
from app.core.clock import now_utc
from app.core.job_runs import (
    Figures,
    JobRun,
    add_run,
    mark_interrupted_runs,
    prune_job_runs,
    record_failure,
    record_skipped,
)
from app.core.leases import (
    Heartbeat,
    JobLease,
    acquire_lease,
    break_lease,
    new_holder,
    release_lease,
)
from app.extensions import db

JobFunc = Callable[..., Figures | None]

REGISTRY_KEY = "tribune.jobs"
TRIGGERS = ("schedule", "manual")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class UnknownJob(LookupError):
    """No job is registered under that name."""


@dataclass(frozen=True)
class Job:
    """A registered job: its function, its default schedule and its lease length."""

    name: str
    func: JobFunc
    cron: str | None = None
    interval_seconds: int | None = None
    description: Any = ""  # a lazy string (_l): translated where it is shown
    # How long the lease lasts between two heartbeats (None: JOB_LEASE_SECONDS).
    lease_seconds: int | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"job name {self.name!r} must be kebab-case, e.g. 'sweep-badges'")
        if (self.cron is None) == (self.interval_seconds is None):
            raise ValueError(f"job {self.name!r} needs exactly one of cron= or interval_seconds=")
        if self.cron is not None:
            cron_trigger(self.cron)  # fails now, at registration, on a malformed crontab
        if self.interval_seconds is not None and self.interval_seconds <= 0:
            raise ValueError(f"job {self.name!r}: interval_seconds must be positive")
        if self.lease_seconds is not None and self.lease_seconds <= 0:
            raise ValueError(f"job {self.name!r}: lease_seconds must be positive")


# -- the registry -------------------------------------------------------------------


def register_job(app: Flask, job: Job) -> None:
    """Add a job to this application's registry (called from a package's init_app)."""
    registry: dict[str, Job] = app.extensions.setdefault(REGISTRY_KEY, {})
    if job.name in registry:
        raise ValueError(f"job {job.name!r} is already registered")
    registry[job.name] = job


def registered_jobs(app: Flask | None = None) -> dict[str, Job]:
    """Every registered job by name, in registration order."""
    app = app or current_app
    return dict(app.extensions.get(REGISTRY_KEY, {}))


def get_job(name: str, app: Flask | None = None) -> Job:
    """The job registered under ``name``; UnknownJob lists the known ones."""
    jobs = registered_jobs(app)
    if name not in jobs:
        known = ", ".join(sorted(jobs)) or "none"
        raise UnknownJob(f"no job named {name!r}; known jobs: {known}")
    return jobs[name]


def cron_trigger(crontab: str) -> CronTrigger:
    """A UTC trigger from a 5-field crontab string ("0 3 * * *")."""
    return CronTrigger.from_crontab(crontab, timezone=UTC)


def job_trigger(app: Flask, job: Job) -> BaseTrigger:
    """The job's trigger: JOB_SCHEDULES' crontab if set, else the job's own schedule."""
    override = app.config.get("JOB_SCHEDULES", {}).get(job.name)
    if override:
        return cron_trigger(override)
    if job.cron is not None:
        return cron_trigger(job.cron)
    return IntervalTrigger(seconds=job.interval_seconds or 0, timezone=UTC)


def schedule_label(app: Flask, job: Job) -> str:
    """The schedule as people read it: a crontab, "every 600s", or "manual only"."""
    if job.name in app.config.get("JOBS_DISABLED", ()):
        return "manual only"
    override = app.config.get("JOB_SCHEDULES", {}).get(job.name)
    if override:
        return override
    return job.cron if job.cron is not None else f"every {job.interval_seconds}s"


def check_config(app: Flask) -> None:
    """Fail loudly on a JOB_SCHEDULES or JOBS_DISABLED entry naming no job (a typo)."""
    jobs = registered_jobs(app)
    named = set(app.config.get("JOB_SCHEDULES", {})) | set(app.config.get("JOBS_DISABLED", ()))
    unknown = sorted(named - set(jobs))
    if unknown:
        raise UnknownJob(f"JOB_SCHEDULES/JOBS_DISABLED name unknown jobs: {', '.join(unknown)}")


# -- running a job ------------------------------------------------------------------


def run_job(
    name: str, *, trigger: str = "manual", as_of: datetime | None = None, **options: Any
) -> JobRun:
    """Run a job under its lease and record the run; commits. Never raises for the job's
    own failure: the returned run says "success", "failed" or "skipped"."""
    if trigger not in TRIGGERS:
        raise ValueError(f"trigger must be one of {TRIGGERS}")
    job = get_job(name)
    holder = new_holder()
    seconds = job.lease_seconds or int(current_app.config["JOB_LEASE_SECONDS"])
    if not acquire_lease(name, holder, seconds):
        return record_skipped(name, trigger, holder)
    try:
        mark_interrupted_runs(name, holder)
        run_id = add_run(name, trigger, holder, "running").id
        try:
            beat = float(current_app.config["JOB_HEARTBEAT_SECONDS"])
            with Heartbeat(name, holder, seconds, every=min(beat, seconds / 3)):
                figures = _checked_figures(job.func(as_of=as_of, **options))
            run = db.session.get(JobRun, run_id)
            assert run is not None
            run.outcome, run.figures, run.finished_at = "success", figures, now_utc()
            events.commit()  # the job's one unit of work, its run's record with it
        except BaseException as error:
            db.session.rollback()
            run = record_failure(run_id, traceback.format_exc())
            if not isinstance(error, Exception):
                raise  # Ctrl-C, SystemExit: recorded, then let it through
        return run
    finally:
        db.session.rollback()
        release_lease(name, holder)


def _checked_figures(result: Any) -> Figures:
    if result is None:
        return {}
    if not isinstance(result, dict):
        raise TypeError(f"a job returns a dict of figures, not {type(result).__name__}")
    json.dumps(result)  # a figure JSON cannot store fails here, as the job's error
    return dict(result)


def unlock(name: str) -> tuple[JobLease | None, int]:
    """Break the job's lease and mark its running runs interrupted; commits.

    For operators, when a holder is known to be dead and its lease has not lapsed yet.
    """
    get_job(name)
    lease = break_lease(name)
    db.session.flush()
    interrupted = mark_interrupted_runs(name)
    db.session.commit()
    return lease, interrupted


@dataclass(frozen=True)
class JobStatus:
    """A job as `tribune jobs list` shows it."""

    job: Job
    schedule: str
    last_run: JobRun | None


def jobs_with_last_run(app: Flask | None = None) -> list[JobStatus]:
    """Every job with its schedule and its latest run that was not skipped, in one query."""
    app = app or current_app
    jobs = registered_jobs(app)
    latest = (
        select(func.max(JobRun.id))
        .where(JobRun.job_name.in_(list(jobs)), JobRun.outcome != "skipped")
        .group_by(JobRun.job_name)
    )
    runs = {
        run.job_name: run for run in db.session.scalars(select(JobRun).where(JobRun.id.in_(latest)))
    }
    return [JobStatus(job, schedule_label(app, job), runs.get(name)) for name, job in jobs.items()]


def init_app(app: Flask) -> None:
    """Register core's jobs."""
    register_job(
        app,
        Job(
            "prune-job-runs",
            prune_job_runs,
            cron="17 4 * * *",
            description=_l("Delete job runs older than JOB_RUNS_KEEP_DAYS."),
        ),
    )
