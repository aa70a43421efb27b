"""Scheduled work: convert the referrals that are due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.clock import now_utc
from app.core.scheduler import Figures, Job, register_job
from app.referrals import conversion


def convert_referrals(as_of: datetime | None = None, **options: Any) -> Figures:
    """Convert (or refuse) every pending referral whose friend's post stayed or who bought."""
    return dict(conversion.convert_due(as_of or now_utc()))


def register(app: Flask) -> None:
    register_job(
        app,
        Job(
            "convert-referrals",
            convert_referrals,
            interval_seconds=3600,
            description=_l("Convert referrals whose friend's first post stayed, or who bought."),
        ),
    )
