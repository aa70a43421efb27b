"""Job leases: who may run a job right now, kept alive by a heartbeat while it runs.

A lease lasts ``JOB_LEASE_SECONDS`` (five minutes) and the process that holds it renews
it every ``JOB_HEARTBEAT_SECONDS`` from a thread of its own, on a connection of its own.
A holder killed with ``kill -9`` stops renewing, so its lease lapses within minutes and
the next run takes over; ``tribune jobs unlock NAME`` breaks a lease at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta
from types import TracebackType

from sqlalchemy import String, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now_utc
from app.core.types import UTCDateTime
from app.extensions import db

logger = logging.getLogger("tribune.scheduler")


class JobLease(db.Model):
    """Who may run a job right now, and until when."""

    __tablename__ = "job_leases"

    job_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


def new_holder() -> str:
    """A holder id unique to one run: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def acquire_lease(name: str, holder: str, seconds: int) -> bool:
    """Take the job's lease if it is free or expired, in one atomic upsert; commits."""
    now = now_utc()
    dialect = db.session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"job leases need SQLite or PostgreSQL, not {dialect}")
    table = JobLease.__table__
    insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table)
    insert = insert.values(
        job_name=name, holder=holder, acquired_at=now, expires_at=now + timedelta(seconds=seconds)
    )
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.job_name],
        set_={
            "holder": insert.excluded.holder,
            "acquired_at": insert.excluded.acquired_at,
            "expires_at": insert.excluded.expires_at,
        },
        where=table.c.expires_at < now,
    ).returning(table.c.job_name)
    # A row inserted, or an expired one taken over, comes back; a live lease left alone
    # does not. (RETURNING, not rowcount: psycopg reports -1 for this statement.)
    acquired = db.session.execute(statement).first() is not None
    db.session.commit()
    return acquired


def release_lease(name: str, holder: str) -> bool:
    """Give the lease back, only if ``holder`` still holds it; commits."""
    released = db.session.execute(
        delete(JobLease).where(JobLease.job_name == name, JobLease.holder == holder)
    ).rowcount
    db.session.commit()
    return released == 1


def break_lease(name: str) -> JobLease | None:
    """Remove the job's lease whoever holds it (an operator's unlock); the lease it was."""
    lease = current_lease(name)
    if lease is not None:
        db.session.delete(lease)
    return lease


def current_lease(name: str) -> JobLease | None:
    """The job's lease row, live or expired, if any."""
    return db.session.get(JobLease, name, populate_existing=True)


def renew_lease(engine: Engine, name: str, holder: str, seconds: int) -> bool:
    """Push the lease's end ``seconds`` from now, if ``holder`` still holds it."""
    with engine.begin() as connection:
        renewed = connection.execute(
            update(JobLease)
            .where(JobLease.job_name == name, JobLease.holder == holder)
            .values(expires_at=now_utc() + timedelta(seconds=seconds))
        ).rowcount
    return renewed == 1


class Heartbeat:
    """``with Heartbeat(...):`` renews a lease every ``every`` seconds until the block ends.

    It uses its own connection, never the job's session: the job's transaction may be
    long, and a renewal must not commit the job's work halfway.
    """

    def __init__(self, name: str, holder: str, seconds: int, every: float) -> None:
        self.name, self.holder, self.seconds, self.every = name, holder, seconds, every
        self.engine = db.engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{name}", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if not renew_lease(self.engine, self.name, self.holder, self.seconds):
                    logger.warning("job %s: lease lost (broken or taken over)", self.name)
                    return
            except Exception:
                # A busy database (SQLite's one writer): try again at the next beat.
                logger.warning("job %s: lease renewal failed", self.name, exc_info=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 30)
