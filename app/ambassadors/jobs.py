"""The nightly ambassador job: a thin function over identification.identify."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.ambassadors import identification
from app.core.scheduler import Job, register_job


def identify_ambassadors(as_of: datetime | None = None, **options: Any) -> dict[str, Any]:
    """Score every member, apply promotions, grace and demotions, recompute the segments.

    Options: ``window_days`` (default AMBASSADOR_WINDOW_DAYS), for evaluating imported
    history over another window.
    """
    window = options.get("window_days")
    run = identification.identify(as_of, int(window) if window else None)
    return {"run_id": run.id, **run.figures}


def register(app: Flask) -> None:
    register_job(
        app,
        Job(
            "identify-ambassadors",
            identify_ambassadors,
            cron="0 3 * * *",
            description=_l("Find the most helpful members and make them ambassadors (helpers)."),
        ),
    )
