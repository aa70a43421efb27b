"""The scheduler process: APScheduler entries for the registered jobs, catch-up of missed
runs, and the in-process scheduler of `tribune run`.

The scheduler runs in exactly one process: ``tribune scheduler``, or inside
``tribune run`` (``make run``) when ``SCHEDULER_IN_PROCESS`` is set. ``create_app``
never starts it, so gunicorn workers never do.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from sqlalchemy import func, select

from app.core.clock import now_utc
from app.core.job_runs import JobRun, describe_figures, mark_interrupted_runs
from app.core.scheduler import check_config, job_trigger, registered_jobs, run_job
from app.extensions import db

logger = logging.getLogger("tribune.scheduler")


def build_scheduler(app: Flask, *, blocking: bool = False) -> BaseScheduler:
    """An APScheduler scheduler (not started) with one entry per enabled job."""
    check_config(app)
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
