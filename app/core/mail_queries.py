"""What /admin/mail shows of the outbox: counts by status, the oldest messages, one message."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.mail import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from app.extensions import db


def status_counts() -> dict[str, int]:
    """How many messages are queued, sending, sent and failed (zero included)."""
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return {status: counts.get(status, 0) for status in (QUEUED, SENDING, SENT, FAILED)}


def oldest_with_status(*statuses: str, limit: int) -> list[OutboxMessage]:
    """The oldest messages in these states first: they are the ones to look at."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(statuses))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def message_by_id(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)
