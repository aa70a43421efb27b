"""The nightly job that fills the community-health summary tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from app.core.clock import now_utc
from app.core.scheduler import Job, register_job
from app.insights import runs, summary

JOB_NAME = "community-health"


def site_zone() -> ZoneInfo:
    """The site's time zone (BABEL_DEFAULT_TIMEZONE), in which periods start."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")


def refresh_health(as_of: datetime | None = None, **options: Any) -> dict[str, Any]:
    """Recompute every kept period's figures and the segment history; returns counts."""
    moment = as_of or now_utc()
    return {**summary.refresh(moment, site_zone()), **runs.refresh()}


def register(app: Flask) -> None:
    register_job(
        app,
        Job(
            JOB_NAME,
            refresh_health,
            cron="30 3 * * *",  # after identify-ambassadors (03:00), for its segments
            description=_l("Fill the community-health dashboard's summary tables."),
            # Minutes at millions of posts, in one transaction: on SQLite the heartbeat
            # cannot renew the lease while the job holds the write lock (bench/RESULTS.md).
            lease_seconds=1800,
        ),
    )
