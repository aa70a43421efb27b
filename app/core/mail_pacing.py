"""Pacing bulk mail: at most MAIL_RATE_PER_MINUTE campaign messages a minute, across runs.

A token bucket kept in one row: it fills at the rate (``rate`` tokens a minute, never
more than ``rate``), and each bulk message the ``deliver-mail`` job sends takes one. A
run every minute thus sends about ``rate`` bulk messages, a run right after another
sends none, and a queue of 100,000 drains at the rate however often the job is run.
Transactional mail (priority 0) is never paced: a password reset goes at once.

The row is read at the start of a run and written at its end, under the job's lease
(only one deliver-mail run at a time): a run killed halfway leaves its tokens unspent,
so at most one run's bulk messages go over the rate once.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import Float, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.sql import insert_for
from app.core.types import UTCDateTime
from app.extensions import db

LANE = "bulk"


class MailPacing(db.Model):
    """The bucket of one lane of paced mail: its tokens when it was last filled."""

    __tablename__ = "mail_pacing"

    lane: Mapped[str] = mapped_column(String(16), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    filled_at: Mapped[datetime] = mapped_column(UTCDateTime())


def available(rate: int, now: datetime) -> int:
    """How many bulk messages may go now (``rate`` <= 0: no limit, returns a huge number)."""
    if rate <= 0:
        return 2**31
    tokens = _tokens(rate, now)
    return max(0, math.floor(tokens))


def spend(rate: int, now: datetime, used: int) -> None:
    """Record that a run sent ``used`` bulk messages; the caller commits."""
    if rate <= 0:
        return
    tokens = _tokens(rate, now) - used
    statement = insert_for(MailPacing).values(lane=LANE, tokens=tokens, filled_at=now)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["lane"], set_={"tokens": tokens, "filled_at": now}
        )
    )


def _tokens(rate: int, now: datetime) -> float:
    row = db.session.execute(
        select(MailPacing.tokens, MailPacing.filled_at).where(MailPacing.lane == LANE)
    ).first()
    if row is None:
        return float(rate)  # a full bucket: the first minute sends ``rate``
    tokens, filled_at = row
    # A clock set back (or a test's as_of in the past) adds nothing.
    minutes = max(0.0, (now - filled_at).total_seconds() / 60)
    return min(float(rate), tokens + rate * minutes)
