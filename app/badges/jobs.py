"""The badges package's scheduled jobs: thin functions over a service (run_job commits)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.badges import antigaming, awards, leaderboard
from app.core.scheduler import Job, register_job


def sweep_badges(as_of: datetime | None = None, **options: Any) -> dict[str, int]:
    """Grant every rule badge members qualify for, revoke lost category expertise."""
    return awards.sweep(as_of)


def refresh_leaderboards(as_of: datetime | None = None, **options: Any) -> dict[str, int]:
    return leaderboard.refresh(as_of)


def reverse_serial_votes(as_of: datetime | None = None, **options: Any) -> dict[str, int]:
    return antigaming.reverse_serial_votes(as_of)


def report_voting_rings(as_of: datetime | None = None, **options: Any) -> dict[str, int]:
    return antigaming.report_voting_rings(as_of)


def register(app: Flask) -> None:
    for job in (
        Job("sweep-badges", sweep_badges, cron="30 2 * * *",
            description=_l("Daily badge backfill and category expertise recomputation.")),
        Job(leaderboard.REFRESH_JOB, refresh_leaderboards, interval_seconds=600,
            description=_l("Recompute the leaderboards of every period and category.")),
        Job("reverse-serial-votes", reverse_serial_votes, cron="10 2 * * *",
            description=_l("Reverse serial voting and report it to moderators.")),
        Job("report-voting-rings", report_voting_rings, cron="20 2 * * *",
            description=_l("Report votes between accounts that share a registration IP.")),
    ):  # fmt: skip
        register_job(app, job)
