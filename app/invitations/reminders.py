"""Reminding the members who have not answered, by email, at most once a day.

One INSERT ... SELECT into the outbox, as the send's: the same email (its reply links
carry the same derived tokens, still valid until the deadline), marked as a reminder,
to invitations still "invited" whose member gets campaign email now (an opt-out since
the send is respected). Each reminder's Message-ID names its time, so it is a message
of its own. The campaign's row lock makes two staff reminding at once send one
reminder. Services never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, cast, literal

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.sql import savepoint
from app.invitations.errors import CampaignError
from app.invitations.models import INVITED, OPEN, Invitation
from app.invitations.sending import insert_emails, lock, opted_out

MIN_INTERVAL = timedelta(days=1)


def remind(actor: User, campaign_id: int, at: datetime | None = None) -> int:
    """Email those who have not answered; returns how many emails were queued."""
    if not actor.can("campaign.send"):
        raise CampaignError(_l("You are not allowed to manage campaigns."), 403)
    at = at or now_utc()
    with savepoint():
        campaign = lock(campaign_id)
        if campaign.state != OPEN or (campaign.reply_deadline and at >= campaign.reply_deadline):
            raise CampaignError(_l("Only an open campaign can send reminders."), 409)
        if campaign.reminded_at is not None and at - campaign.reminded_at < MIN_INTERVAL:
            raise CampaignError(_l("A reminder was already sent in the last day."), 429)
        host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
        message_id = (
            literal(f"<campaign.{campaign.id}.")
            + cast(Invitation.user_id, Text)
            + literal(f".reminder.{at:%Y%m%d%H%M%S}@{host}>")
        )
        which = [Invitation.state == INVITED, ~opted_out(User.id)]
        queued = insert_emails(campaign, at, which=which, message_id=message_id, reminder=True)
        campaign.reminded_at = at
    queue_audit(actor.id, "campaign.remind", "campaign", campaign_id, after={"emailed": queued})
    return queued
