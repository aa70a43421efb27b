"""Scheduled work: send campaigns whose time has come, close those past their deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.clock import now_utc
from app.core.events import commit_chunk
from app.core.scheduler import Figures, Job, register_job
from app.extensions import db
from app.invitations import campaigns, sending
from app.invitations.models import OPEN, SCHEDULED, Campaign


def send_scheduled_campaigns(as_of: datetime | None = None, **options: Any) -> Figures:
    """Send every scheduled campaign that is due, each in its own transaction."""
    at = as_of or now_utc()
    due = db.session.scalars(
        select(Campaign.id)
        .where(Campaign.state == SCHEDULED, Campaign.scheduled_at <= at)
        .order_by(Campaign.scheduled_at, Campaign.id)
    ).all()
    figures: Figures = {"campaigns": 0, "invited": 0}
    for campaign_id in due:
        result = sending.send(campaign_id, at=at)
        commit_chunk()  # each campaign's send stands alone: a failure later keeps it sent
        if result.sent:
            figures["campaigns"] = int(figures["campaigns"]) + 1
            figures["invited"] = int(figures["invited"]) + result.invited
    return figures


def close_past_deadline(as_of: datetime | None = None, **options: Any) -> Figures:
    """Close open campaigns whose reply deadline has passed."""
    at = as_of or now_utc()
    past = db.session.scalars(
        select(Campaign).where(Campaign.state == OPEN, Campaign.reply_deadline <= at)
    ).all()
    for campaign in past:
        campaigns.close(None, campaign)
    return {"closed": len(past)}


def register(app: Flask) -> None:
    register_job(
        app,
        Job(
            "send-scheduled-campaigns",
            send_scheduled_campaigns,
            interval_seconds=60,
            description=_l("Send the campaigns scheduled for now."),
        ),
    )
    register_job(
        app,
        Job(
            "close-campaigns",
            close_past_deadline,
            cron="*/15 * * * *",
            description=_l("Close campaigns whose reply deadline has passed."),
        ),
    )
