"""An audience from a CSV staff upload: usernames, emails or customer ids, one a row.

Each row's first cell names a member: an email (it holds "@"), else a username, else
the brand's customer id. A first row that is a header (username, email, customer_id,
member) is skipped; blank rows too. Every row that names nobody is reported with its
line number, and the good ones are kept: the list replaces the campaign's previous one.
Rows are resolved in batches of a few hundred with one query each.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from app.accounts.models import User
from app.core.sql import insert_for
from app.extensions import db
from app.invitations.models import ListedMember

HEADERS = {"username", "email", "customer_id", "customer id", "member", "identifier"}
MAX_ROWS = 200_000
MAX_CELL = 254
BATCH = 500


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ListReport:
    """What an upload kept and what it could not use."""

    kept: int = 0
    errors: list[RowError] = field(default_factory=list)


def _rows(text: str) -> Iterator[tuple[int, str | None]]:
    """(line number, first cell) of every non-blank row, the header left out; a row
    that is not CSV (a quote never closed) ends the file with (its line, None)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    index = 0
    while True:
        starts_at = reader.line_num + 1  # where a row spanning lines (quoted) begins
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield starts_at, None
            return
        index += 1
        cell = (row[0] if row else "").strip()
        if not cell:
            continue
        if index == 1 and cell.lower() in HEADERS:
            continue
        yield reader.line_num, cell


def _resolve(cells: list[str]) -> dict[str, int]:
    """Identifier (as given) -> user id, for those that name a member."""
    lowered = {cell.lower() for cell in cells}
    rows = db.session.execute(
        select(User.id, User.username_key, User.email, User.external_customer_id).where(
            or_(
                User.username_key.in_(lowered),
                func.lower(User.email).in_(lowered),
                User.external_customer_id.in_(set(cells)),
            )
        )
    ).all()
    by_email = {row.email.lower(): row.id for row in rows}
    by_username = {row.username_key: row.id for row in rows}
    by_customer = {row.external_customer_id: row.id for row in rows if row.external_customer_id}
    found: dict[str, int] = {}
    for cell in cells:
        key = cell.lower()
        user_id = (
            by_email.get(key) if "@" in cell else by_username.get(key) or by_customer.get(cell)
        )
        if user_id is not None:
            found[cell] = user_id
    return found


def replace_list(campaign_id: int, text: str) -> ListReport:
    """Store the members a CSV names as the campaign's list; the caller commits."""
    report = ListReport()
    db.session.execute(delete(ListedMember).where(ListedMember.campaign_id == campaign_id))
    batch: list[tuple[int, str]] = []
    for count, (line, cell) in enumerate(_rows(text), start=1):
        if cell is None:
            report.errors.append(RowError(line, str(_l(
                "Line %(line)d: this line cannot be read as CSV (a quote never closed, or a "
                "value far too long); the rest of the file was not read.", line=line,
            ))))  # fmt: skip
            break
        if count > MAX_ROWS:
            report.errors.append(RowError(line, str(_l(
                "Line %(line)d: the list stops here (at most %(max)d rows).",
                line=line, max=MAX_ROWS,
            ))))  # fmt: skip
            break
        if len(cell) > MAX_CELL or not cell.isprintable():
            report.errors.append(RowError(line, str(_l(
                "Line %(line)d: this value cannot name a member.", line=line
            ))))  # fmt: skip
            continue
        batch.append((line, cell))
        if len(batch) >= BATCH:
            _store(campaign_id, batch, report)
            batch = []
    if batch:
        _store(campaign_id, batch, report)
    report.errors.sort(key=lambda error: error.line)
    report.kept = (
        db.session.scalar(select(func.count()).where(ListedMember.campaign_id == campaign_id)) or 0
    )
    return report


def _store(campaign_id: int, batch: list[tuple[int, str]], report: ListReport) -> None:
    found = _resolve([cell for _line, cell in batch])
    for line, cell in batch:
        if cell not in found:
            report.errors.append(RowError(line, str(_l(
                "Line %(line)d: no member is known as “%(value)s”.", line=line, value=cell
            ))))  # fmt: skip
    ids = sorted(set(found.values()))
    if ids:
        statement = insert_for(ListedMember).on_conflict_do_nothing()
        db.session.execute(statement, [{"campaign_id": campaign_id, "user_id": i} for i in ids])
