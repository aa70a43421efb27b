"""Real addresses for imported members, from a CSV file: `tribune users set-emails`.

Each line names a member, by the source id an import remembered (``--source`` says
which import, if several) or by username, then the address: ``1234,ana@example.com``.
A first line ``username,email`` (or ``source_id,email``) is a header. Every line is
checked and set on its own; a bad one is reported with its line and changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.addresses import set_email
from app.accounts.models import User
from app.accounts.services import AccountError, get_by_username
from app.core.sql import savepoint
from app.extensions import db
from app.interchange.models import ImportedRecord

HEADERS = {"username", "source_id", "id", "member"}


@dataclass
class ClaimReport:
    changed: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


def _member(identifier: str, source: str | None) -> User:
    """The member a line names: a remembered source id first, then a username."""
    query = select(ImportedRecord.local_id).where(
        ImportedRecord.kind == "member", ImportedRecord.source_id == identifier
    )
    if source:
        query = query.where(ImportedRecord.source == source)
    found = set(db.session.scalars(query))
    if len(found) > 1:
        raise AccountError(f"{identifier!r} is a source id in several imports: give --source")
    member = db.session.get(User, found.pop()) if found else get_by_username(identifier)
    if member is None:
        raise AccountError(f"no member with source id or username {identifier!r}")
    return member


def set_emails(lines: Iterable[str], source: str | None = None) -> ClaimReport:
    """Set the addresses a CSV names, line by line (each in a savepoint). Caller commits."""
    report = ClaimReport()
    for number, row in enumerate(csv.reader(lines), start=1):
        if not row or not "".join(row).strip():
            continue
        if number == 1 and row[0].strip().lower() in HEADERS:
            continue
        if len(row) != 2:
            report.errors.append((number, "expected two columns: source id or username, email"))
            continue
        identifier, email = row[0].strip(), row[1].strip()
        try:
            with savepoint():
                changed = set_email(_member(identifier, source), email, actor_id=None,
                                    reason="tribune users set-emails")  # fmt: skip
                db.session.flush()
        except AccountError as error:
            report.errors.append((number, f"{error.field or identifier}: {error.message}"))
            continue
        except IntegrityError:
            report.errors.append((number, "email: another member already uses this address"))
            continue
        if changed:
            report.changed += 1
        else:
            report.unchanged += 1
    return report
