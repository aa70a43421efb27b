"""Scheduled jobs: the registry, the job_runs history, the database lease, APScheduler.

A job is a plain function ``func(as_of=None, **options) -> figures`` registered by its
package with ``register_job(app, Job(...))``. It runs inside an application context,
commits its own work, and must be idempotent: a run killed halfway is finished by the
next one. ``run_job`` is the only way a job runs (on schedule, by hand, in tests): it
takes the job's lease in the database, so two scheduler processes, or a manual run
beside a scheduled one, never run the same job at once, and records every run in
``job_runs``. While a job runs its process renews the lease (app/core/leases.py), so a
holder killed halfway loses it within minutes: the next run takes over and marks the
dead run "interrupted". A scheduler that starts after it missed a daily run runs that
job once, at start.

The scheduler runs in exactly one process: ``tribune scheduler``, or inside
``tribune run`` (``make run``) when ``SCHEDULER_IN_PROCESS`` is set. ``create_app``
never starts it, so gunicorn workers never do.
"""

from __future__ import annotations

import json
import logging
import os
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from sqlalchemy import JSON, String, Text, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core import events
from app.core.clock import now_utc
from app.core.leases import (
    Heartbeat,
    JobLease,
    acquire_lease,
    break_lease,
    current_lease,
    new_holder,
    release_lease,
)
from app.core.types import UTCDateTime
from app.extensions import db

logger = logging.getLogger("tribune.scheduler")

Figures = dict[str, int | float | str]
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
    description: str = ""
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


def _check_config(app: Flask) -> None:
    """Fail loudly on a JOB_SCHEDULES or JOBS_DISABLED entry naming no job (a typo)."""
    jobs = registered_jobs(app)
    named = set(app.config.get("JOB_SCHEDULES", {})) | set(app.config.get("JOBS_DISABLED", ()))
    unknown = sorted(named - set(jobs))
    if unknown:
        raise UnknownJob(f"JOB_SCHEDULES/JOBS_DISABLED name unknown jobs: {', '.join(unknown)}")


# -- the lease ----------------------------------------------------------------------


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
        return _record_skipped(name, trigger, holder)
    try:
        mark_interrupted_runs(name, holder)
        run_id = _add_run(name, trigger, holder, "running").id
        try:
            beat = float(current_app.config["JOB_HEARTBEAT_SECONDS"])
            with Heartbeat(name, holder, seconds, every=min(beat, seconds / 3)):
                figures = _checked_figures(job.func(as_of=as_of, **options))
            run = db.session.get(JobRun, run_id)
            assert run is not None
            run.outcome, run.figures, run.finished_at = "success", figures, now_utc()
            events.commit()  # sends events a forgetful job queued without committing
        except BaseException as error:
            db.session.rollback()
            run = _record_failure(run_id, traceback.format_exc())
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


def _record_failure(run_id: int, error: str) -> JobRun:
    run = db.session.get(JobRun, run_id)
    assert run is not None
    run.outcome, run.error, run.finished_at = "failed", error, now_utc()
    db.session.commit()
    return run


def _record_skipped(name: str, trigger: str, holder: str) -> JobRun:
    lease = current_lease(name)
    reason = "lease held by another run"
    if lease is not None:
        reason = f"lease held by {lease.holder} until {lease.expires_at.isoformat()}"
    now = now_utc()
    return _add_run(name, trigger, holder, "skipped", started_at=now, finished_at=now, error=reason)


def _add_run(name: str, trigger: str, holder: str, outcome: str, **values: Any) -> JobRun:
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


# -- APScheduler --------------------------------------------------------------------


def build_scheduler(app: Flask, *, blocking: bool = False) -> BaseScheduler:
    """An APScheduler scheduler (not started) with one entry per enabled job."""
    _check_config(app)
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(
        timezone=UTC,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": app.config.get("SCHEDULER_MISFIRE_GRACE_SECONDS", 300),
        },
    )
    disabled = set(app.config.get("JOBS_DISABLED", ()))
    for name, job in registered_jobs(app).items():
        if name in disabled:
            continue
        scheduler.add_job(
            run_scheduled, job_trigger(app, job), args=(app, name), id=name, name=name
        )
    now = now_utc()
    for name in missed_runs(app, now):
        logger.info("job %s missed its last run while no scheduler ran: running it now", name)
        scheduler.add_job(
            run_scheduled, "date", run_date=now, args=(app, name), id=f"{name}:catch-up"
        )
    return scheduler


def missed_runs(app: Flask, now: datetime) -> list[str]:
    """Scheduled jobs whose last fire time passed with no run finishing since (once each).

    A job that never ran is left to its schedule: a new site has missed nothing. Runs
    left "running" by a dead process are marked interrupted first; they did not finish.
    """
    disabled = set(app.config.get("JOBS_DISABLED", ()))
    with app.app_context():
        mark_interrupted_runs()
        db.session.commit()
        started = dict(
            db.session.execute(
                select(JobRun.job_name, func.max(JobRun.started_at))
                .where(JobRun.outcome.in_(("success", "failed")))
                .group_by(JobRun.job_name)
            ).all()
        )
        ever = set(db.session.scalars(select(JobRun.job_name).distinct()))
    missed = []
    for name, job in registered_jobs(app).items():
        trigger = job_trigger(app, job)
        if name in disabled or not isinstance(trigger, CronTrigger) or name not in ever:
            continue
        last_fire = _last_fire_time(trigger, now)
        finished = started.get(name)
        if last_fire is not None and (finished is None or finished < last_fire):
            missed.append(name)
    return missed


def _last_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The trigger's latest fire time at or before ``now``, looking back a week."""
    moment, last = now - timedelta(days=7), None
    while (upcoming := trigger.get_next_fire_time(last, moment)) is not None and upcoming <= now:
        last, moment = upcoming, upcoming + timedelta(seconds=1)
    return last


def run_scheduled(app: Flask, name: str) -> None:
    """What the scheduler calls: run the job in a fresh app context and log the outcome."""
    with app.app_context():
        try:
            run = run_job(name, trigger="schedule")
        except Exception:
            logger.exception("job %s could not be run", name)
            return
        log = logger.error if run.outcome == "failed" else logger.info
        log("job %s: %s %s", name, run.outcome, describe_figures(run) or run.error or "")


def describe_figures(run: JobRun | None) -> str:
    """A run's figures on one line: "deleted=3 kept=2"."""
    if run is None or not run.figures:
        return ""
    return " ".join(f"{key}={value}" for key, value in run.figures.items())


def start_in_process(app: Flask, *, use_reloader: bool) -> BackgroundScheduler | None:
    """Start a background scheduler in the serving process of `tribune run`, if configured.

    Called only by `tribune run`, never by create_app (gunicorn workers never start it),
    which stops it when the server stops. With the reloader, only the child process that
    serves requests starts it.
    """
    if not app.config.get("SCHEDULER_IN_PROCESS"):
        return None
    if use_reloader and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return None
    scheduler = build_scheduler(app)
    assert isinstance(scheduler, BackgroundScheduler)
    scheduler.start()
    logger.info("in-process scheduler started with %d jobs", len(scheduler.get_jobs()))
    return scheduler


def stop_scheduler(scheduler: BaseScheduler, wait: bool = True) -> None:
    """Shut a scheduler down if it is still running (safe to call twice)."""
    if scheduler.running:
        scheduler.shutdown(wait=wait)


# -- core's own job -----------------------------------------------------------------


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


def init_app(app: Flask) -> None:
    """Register core's jobs."""
    register_job(
        app,
        Job(
            "prune-job-runs",
            prune_job_runs,
            cron="17 4 * * *",
            description="Delete job runs older than JOB_RUNS_KEEP_DAYS.",
        ),
    )
