"""External signals: what members do outside the forum, brought in by CSV or by the API.

Each row names a member by email or by the brand's customer id (never creating one),
a kind, a value, when it happened and its source. Rows are checked one by one: a bad
row is reported with its line (or index) and field, the good ones go in. The same row
imported twice is one signal (a unique key: the source's own id when given, else a
hash of the whole row), so an import can be re-run or resumed safely.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.ambassadors.models import SIGNAL_KINDS, ExternalSignal
from app.core import events
from app.core.clock import now_utc
from app.core.sql import insert_for
from app.core.user_input import has_control_characters
from app.extensions import db

BATCH = 1000
SOURCE_MAX_LENGTH = 64
ID_MAX_LENGTH = 128
MAX_VALUE = 1_000_000.0
# A clock a little ahead at the brand's end is not an error; next year is.
FUTURE_TOLERANCE = timedelta(days=1)
# Nothing a brand records happened earlier; a year-1 date is a typing slip, and shifting
# it by a time zone leaves the calendar.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
CSV_REQUIRED = ("kind", "occurred_at", "source")


class SignalError(ValueError):
    """A row that cannot be taken; ``field`` names the column at fault."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass
class RowError:
    where: int  # the CSV line, or the index in an API request
    field: str
    message: str


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return len(self.errors)


@dataclass(frozen=True)
class CleanRow:
    where: int
    email: str | None
    customer_id: str | None
    kind: str
    value: float
    occurred_at: datetime
    source: str
    source_id: str | None

    def dedupe_key(self) -> str:
        if self.source_id:
            parts = ["id", self.source, self.source_id]
        else:
            parts = [
                "row",
                self.source,
                self.email or "",
                self.customer_id or "",
                self.kind,
                repr(self.value),
                self.occurred_at.isoformat(),
            ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise SignalError(name, "must be text")
    text = str(value).strip()
    if has_control_characters(text):
        raise SignalError(name, "holds control characters (NUL, escapes...): remove them")
    return text


def parse_datetime(text: str) -> datetime:
    """An ISO date or datetime; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise SignalError(
            "occurred_at", f"{text!r} is not an ISO date such as 2026-05-14"
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError as error:  # 0001-01-01T00:00+01:00 is in the year 0
        raise SignalError("occurred_at", f"{text!r} is out of range") from error
    if moment < EARLIEST:
        raise SignalError("occurred_at", f"{text!r} is before {EARLIEST.year}")
    return moment


def clean(raw: dict[str, Any], where: int, now: datetime) -> CleanRow:
    """Check one row; raises SignalError naming the field."""
    email = _text(raw, "email").lower() or None
    customer_id = _text(raw, "customer_id") or None
    if not email and not customer_id:
        raise SignalError("email", "give the member's email or customer_id")
    kind = _text(raw, "kind")
    if kind not in SIGNAL_KINDS:
        raise SignalError("kind", f"{kind!r} is not one of {', '.join(SIGNAL_KINDS)}")
    value_text = _text(raw, "value")
    try:
        value = float(value_text) if value_text else 1.0
    except ValueError as error:
        raise SignalError("value", f"{value_text!r} is not a number") from error
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        raise SignalError("value", f"{value_text!r} is out of range")
    when = _text(raw, "occurred_at")
    if not when:
        raise SignalError("occurred_at", "required")
    occurred_at = parse_datetime(when)
    if occurred_at > now + FUTURE_TOLERANCE:
        raise SignalError("occurred_at", f"{when!r} is in the future")
    source = _text(raw, "source")
    if not source:
        raise SignalError("source", "required (where the signal comes from, e.g. 'shop')")
    if len(source) > SOURCE_MAX_LENGTH:
        raise SignalError("source", f"at most {SOURCE_MAX_LENGTH} characters")
    source_id = _text(raw, "id") or None
    if source_id and len(source_id) > ID_MAX_LENGTH:
        raise SignalError("id", f"at most {ID_MAX_LENGTH} characters")
    return CleanRow(where, email, customer_id, kind, value, occurred_at, source, source_id)


def _members(rows: list[CleanRow]) -> tuple[dict[str, int], dict[str, int]]:
    """Member ids by email and by customer id, for one batch, in two queries."""
    emails = {r.email for r in rows if r.email}
    customers = {r.customer_id for r in rows if r.customer_id}
    by_email: dict[str, int] = {}
    by_customer: dict[str, int] = {}
    if emails:
        found = db.session.execute(
            select(func.lower(User.email), User.id).where(func.lower(User.email).in_(emails))
        )
        by_email = {email: user_id for email, user_id in found}
    if customers:
        found = db.session.execute(
            select(User.external_customer_id, User.id).where(
                User.external_customer_id.in_(customers)
            )
        )
        by_customer = {customer: user_id for customer, user_id in found}
    return by_email, by_customer


def _store(rows: list[CleanRow], report: ImportReport) -> None:
    by_email, by_customer = _members(rows)
    values = []
    for row in rows:
        user_id = by_email.get(row.email or "") or by_customer.get(row.customer_id or "")
        if user_id is None:
            column, key = ("email", row.email) if row.email else ("customer_id", row.customer_id)
            report.errors.append(RowError(row.where, column, f"no member with {column} {key!r}"))
            continue
        values.append(
            {
                "user_id": user_id,
                "kind": row.kind,
                "value": row.value,
                "occurred_at": row.occurred_at,
                "source": row.source,
                "dedupe_key": row.dedupe_key(),
                "imported_at": now_utc(),
            }
        )
    if not values:
        return
    statement = (
        insert_for(ExternalSignal)
        .values(values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    inserted = db.session.execute(statement).rowcount or 0
    report.imported += inserted
    report.duplicates += len(values) - inserted


def import_rows(
    rows: Iterable[tuple[int, dict[str, Any]]], *, commit_batches: bool = True
) -> ImportReport:
    """Check and store rows given as (line or index, fields), BATCH at a time.

    A file may hold millions of rows: with ``commit_batches`` each full batch is
    committed as a chunk (an import stopped halfway resumes, duplicates skipped); the
    caller commits the rest. Without (an API request, a few thousand rows at most), the
    caller's one commit stores them all.
    """
    report = ImportReport()
    now = now_utc()
    batch: list[CleanRow] = []
    for where, raw in rows:
        try:
            batch.append(clean(raw, where, now))
        except SignalError as error:
            report.errors.append(RowError(where, error.field, error.message))
            continue
        if len(batch) >= BATCH:
            _store(batch, report)
            if commit_batches:
                events.commit_chunk()
            batch = []
    if batch:
        _store(batch, report)
    report.errors.sort(key=lambda e: e.where)
    return report


def csv_rows(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a CSV file with their line numbers; SignalError if the header is wrong."""
    reader = csv.DictReader(stream)
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [name for name in CSV_REQUIRED if name not in header]
    if "email" not in header and "customer_id" not in header:
        missing.append("email or customer_id")
    if missing:
        raise SignalError("header", f"line 1: missing column(s) {', '.join(missing)}")
    for raw in reader:
        yield reader.line_num, raw


def record_signal(
    user_id: int, kind: str, at: datetime, source: str, source_id: str, value: float = 1.0
) -> bool:
    """One signal from another package of Tribune (a redemption), keyed like an import
    with the source's own id: recorded twice, it is one signal. The caller commits."""
    if kind not in SIGNAL_KINDS:
        raise ValueError(f"unknown signal kind {kind!r}")
    key = hashlib.sha256("\x1f".join(["id", source, source_id]).encode()).hexdigest()
    statement = (
        insert_for(ExternalSignal)
        .values(user_id=user_id, kind=kind, value=value, occurred_at=at, source=source,
                dedupe_key=key, imported_at=at)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )  # fmt: skip
    return bool(db.session.execute(statement).rowcount)
