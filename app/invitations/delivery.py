"""How a campaign's emails travel: their batch, headers and calendar file, and progress.

Every email of a campaign (the send's and the reminders') is bulk mail of the outbox
batch ``campaign:<id>`` (app/core/mail.py). Its headers are one JSON template per
campaign whose token marker SQL replaces per member, in the send's INSERT ... SELECT:

- ``List-Unsubscribe: <BASE_URL/invitations/unsubscribe/TOKEN>`` and
  ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058): a mail client's
  "unsubscribe" button POSTs to the member's own link, which stops campaign email;
  built from BASE_URL, never from a request's Host;
- ``Precedence: bulk`` and ``Auto-Submitted: auto-generated`` (RFC 3834): out-of-office
  responders do not answer a campaign.

An event's or workshop's calendar file is stored once per language for the batch
(calendar.py) and attached at delivery.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, select

from app.core.mail import FAILED, QUEUED, SENDING, SENT, MailAttachment, OutboxMessage
from app.core.sql import insert_for
from app.extensions import db
from app.invitations import calendar, emails
from app.invitations.models import Campaign


class DeliveryProgress(NamedTuple):
    """Where a campaign's emails stand in the outbox."""

    queued: int
    sending: int
    sent: int
    failed: int

    @property
    def total(self) -> int:
        return self.queued + self.sending + self.sent + self.failed


def batch(campaign_id: int) -> str:
    """The outbox batch of a campaign's emails."""
    return f"campaign:{campaign_id}"


def headers_template() -> str:
    """The campaign emails' extra headers as JSON, the member's token still a marker."""
    link = current_app.config["BASE_URL"] + emails.unsubscribe_path(emails.TOKEN)
    return json.dumps(
        {
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Precedence": "bulk",
            "Auto-Submitted": "auto-generated",
        }
    )


def store_attachments(campaign: Campaign, languages: Iterable[str], at: datetime) -> int:
    """Store the campaign's calendar file once per language (nothing for other kinds);
    a reminder finds them stored already. The caller commits."""
    if not calendar.has_calendar(campaign):
        return 0
    stored = 0
    for language in languages:
        statement = insert_for(MailAttachment).values(
            batch=batch(campaign.id),
            language=language,
            filename=calendar.filename(campaign),
            content_type=calendar.CONTENT_TYPE,
            content=calendar.event_calendar(campaign, language),
            created_at=at,
        )
        stored += db.session.execute(statement.on_conflict_do_nothing()).rowcount or 0
    return stored


def delivery_progress(campaign_id: int) -> DeliveryProgress:
    """How many of the campaign's emails are queued, sending, sent and failed (one query)."""

    def count(status: str) -> object:
        return func.count().filter(OutboxMessage.status == status)

    row = db.session.execute(
        select(count(QUEUED), count(SENDING), count(SENT), count(FAILED)).where(
            OutboxMessage.batch == batch(campaign_id)
        )
    ).one()
    return DeliveryProgress(*(int(value or 0) for value in row))
