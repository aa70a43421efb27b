"""Shared helpers of the notification mail tests: a question answered, jobs run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.core.clock import now_utc
from app.core.events import commit
from app.core.mail import OutboxMessage
from app.core.scheduler import run_job
from app.extensions import db
from app.forum import services as forum_services

BASE = "https://forum.brand.example"


@pytest.fixture(autouse=True)
def _site(app):
    app.config.update(BASE_URL=BASE, MAIL_RATE_PER_MINUTE=0)


def answer(author: Any, topic: Any, body: str = "Use the descaling program.") -> Any:
    post = forum_services.reply(author, topic, body=body)
    commit()
    return post


def run(name: str, minutes: float = 0, **options: Any) -> dict:
    """Run a job as it would run ``minutes`` from now."""
    result = run_job(name, as_of=now_utc() + timedelta(minutes=minutes), **options)
    assert result.outcome == "success", result.error
    return result.figures


def outbox_to(email: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)
        )
    )
