"""Importing records of the interchange format: streaming, idempotent, resumable.

Each source (a file of a folder, or a dump's file read as such records) is imported in
batches of BATCH, one commit per batch, every record's source id remembered with the
row it became in the same transaction. Members, topics, posts and votes are checked
record by record and then written together (app/interchange/bulk.py); the smaller
files go in one record per savepoint. Either way a refused record leaves nothing
behind. Importing again, or after a stop halfway, skips what is already in. Nothing is
notified or mailed; points, badges and leaderboards are derived from the rows at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any

from sqlalchemy import String, bindparam, func, literal_column, select, text
from sqlalchemy.exc import IntegrityError

from app.accounts.services import AccountError
from app.core import events
from app.core.event_payloads import HistoryImported
from app.core.sql import dialect, savepoint
from app.extensions import db
from app.forum.errors import ForumError
from app.interchange import bulk, reader, single_records, solutions
from app.interchange.cooking import Cook, cooks
from app.interchange.cooking import in_process as cooks_in_process
from app.interchange.models import ImportedRecord
from app.interchange.reader import RecordError
from app.interchange.recount import recount

BATCH = 1000
ANALYZE_EVERY = 20  # batches between refreshes of the id map's statistics (PostgreSQL)
# Besides bulk.KINDS, the files written a batch at a time (the others record by record:
# single_records.py).
OTHER_KINDS: dict[str, bulk.Kind] = {"accepted": solutions.KIND}


@dataclass
class FileReport:
    name: str
    imported: int = 0
    known: int = 0
    skipped: int = 0  # rows the source has that Tribune does not take (down-votes...)
    absent: int = 0  # rows about something the source does not hold (a deleted post's votes)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file:line, message)


Progress = Callable[[str, int], Any]  # (file name, records) -> a context with update(n)


class NotInSource:
    """A row about something the source does not hold (the votes and comments a dump
    keeps of deleted posts): skipped and counted, not refused."""


NOT_IN_SOURCE = NotInSource()
# (where: "file:line", the record, a RecordError for a broken one, None: not taken,
# or NOT_IN_SOURCE)
Located = tuple[str, dict[str, Any] | RecordError | NotInSource | None]


@dataclass(frozen=True)
class RecordSource:
    """The records of one kind (a file name of the format) and how many there are."""

    name: str
    records: Callable[[], Iterator[Located]]
    count: Callable[[], int]


def folder_sources(folder: Path) -> list[RecordSource]:
    """The files of an interchange folder that exist, in import order."""
    sources = []
    for name in reader.FILES:
        path = folder / f"{name}.jsonl"
        if path.is_file():
            sources.append(RecordSource(name, partial(_located, path), partial(_count, path)))
    return sources


def _located(path: Path) -> Iterator[Located]:
    for line, record in reader.records(path):
        yield f"{path}:{line}", record


def _count(path: Path) -> int:
    return reader.count_lines(path)


class Importer:
    """Imports records of the interchange format from any source (a folder, a dump).

    ``shared_post_ids``: the source numbers questions and answers in one sequence
    (Stack Exchange), so a post reference may name a question: its opening post.
    """

    def __init__(
        self,
        source: str,
        sources: list[RecordSource],
        *,
        progress: Progress | None = None,
        shared_post_ids: bool = False,
        workers: int = 0,
    ) -> None:
        self.source = source
        self.sources = sources
        self.progress = progress
        self.shared_post_ids = shared_post_ids
        self.workers = workers  # processes cooking bodies (0: this one)
        self._cook: Cook = cooks_in_process
        self._batches = 0

    @classmethod
    def from_folder(cls, folder: Path, progress: Progress | None = None,
                    workers: int = 0) -> Importer:  # fmt: skip
        manifest = reader.read_manifest(folder)
        return cls(manifest.source, folder_sources(folder), progress=progress, workers=workers)

    # -- the source-id map ----------------------------------------------------------

    def _local_ids(self, kind: str, source_ids: Iterable[str]) -> dict[str, int]:
        wanted = list(set(source_ids))
        if not wanted:
            return {}
        # Through the connection, the ids in one parameter (an array, or JSON text on
        # SQLite): a cached statement and plain rows; binding a thousand values one by
        # one was most of the cost of a batch of accepted answers.
        name = dialect()
        rows = db.session.connection().execute(_local_ids_statement(name), {
            "source": self.source, "kind": kind,
            "wanted": wanted if name == "postgresql" else json.dumps(wanted),
        })  # fmt: skip
        return {source_id: local_id for source_id, local_id in rows}

    def _post_ids(self, values: list[str]) -> dict[str, int]:
        """Local posts for references: a post's id, "topic:T", or (shared ids) a question's."""
        found = self._local_ids("post", values)
        if self.shared_post_ids:
            missing = [v for v in values if v not in found]
            openings = self._local_ids("post", [f"topic:{v}" for v in missing])
            found.update({key.removeprefix("topic:"): local for key, local in openings.items()})
        return found

    # -- the run --------------------------------------------------------------------

    def run(self) -> list[FileReport]:
        """Import every source, committing batch by batch; the caller commits the rest
        (the recounts), and then points, badges and leaderboards are rebuilt."""
        with cooks(self.workers) as self._cook:
            reports = [self._import_file(source) for source in self.sources]
        recount()
        # Points, badges and leaderboards from the rows, at their original dates.
        events.queue(HistoryImported())
        return reports

    def _import_file(self, source: RecordSource) -> FileReport:
        report = FileReport(source.name)
        total = source.count() if self.progress else 0
        with _bar(self.progress, source.name, total) as bar:
            batch: list[Located] = []
            for item in source.records():
                batch.append(item)
                if len(batch) >= BATCH:
                    self._batch(source.name, batch, report)
                    bar.update(len(batch))
                    batch = []
            if batch:
                self._batch(source.name, batch, report)
                bar.update(len(batch))
        return report

    def _batch(self, name: str, batch: list[Located], report: FileReport) -> None:
        """Resolve the batch's references in a few queries, check, write, commit."""
        good = [rec for _, rec in batch if isinstance(rec, dict)]
        refs = _REFERENCES[name]
        known: bulk.Known = {}
        for field_name, kind in refs.items():
            values = list({str(rec[field_name]) for rec in good if rec.get(field_name) is not None})
            known[field_name] = (
                self._post_ids(values) if kind == "post" else self._local_ids(kind, values)
            )
        own_kind = _OWN_KIND.get(name)
        done = (
            self._local_ids(own_kind, [str(rec.get("id")) for rec in good if rec.get("id")])
            if own_kind
            else {}
        )
        records = []
        for where, record in batch:
            if record is None:
                report.skipped += 1
            elif isinstance(record, NotInSource):
                report.absent += 1
            elif isinstance(record, RecordError):
                report.errors.append((where, str(record)))
            elif own_kind and str(record.get("id")) in done:
                report.known += 1
            else:
                records.append((where, record))
        kind = bulk.KINDS.get(name) or OTHER_KINDS.get(name)
        if kind is not None:
            self._write_batch(kind, records, known, report)
        else:
            self._write_one_by_one(name, records, known, report)
        # A dump may hold millions of records: one chunk per batch, so an import stopped
        # halfway keeps what it wrote and the next run skips it.
        events.commit_chunk()
        self._batches += 1
        if self._batches % ANALYZE_EVERY == 1 and dialect() == "postgresql":
            # The id map grows from empty: with the statistics of an empty table, the
            # planner looked a batch's ids up by scanning every id of the source (seconds
            # a batch at 100,000 rows). Fresh statistics keep the look-ups on the index.
            db.session.execute(text("ANALYZE imported_records"))
            events.commit_chunk()

    def _write_batch(self, kind: bulk.Kind, records: list[tuple[str, dict[str, Any]]],
                     known: bulk.Known, report: FileReport) -> None:  # fmt: skip
        lookups = kind.lookups(self.source, [record for _, record in records], known)
        plans: list[bulk.Plan] = []
        seen: set[str] = set()
        for where, record in records:
            try:
                plan = kind.prepare(self.source, where, record, known, lookups)
            except (RecordError, AccountError, ForumError) as error:
                report.errors.append((where, _message(error)))
                continue
            if plan.source_id and plan.source_id in seen:
                report.known += 1  # the same record twice in a file
                continue
            seen.add(plan.source_id)
            plans.append(plan)
            if kind.self_reference:
                known[kind.self_reference][plan.source_id] = plan
        if kind.cooked:
            plans = self._cook_plans(plans, report)
        try:
            with savepoint():
                new = kind.write(self.source, plans)
        except (IntegrityError, RecordError):  # a conflict, or no free username left
            new = self._write_each(kind, plans, report)
            plans = [plan for plan in plans if not plan.refused]
        report.imported += new
        report.known += len(plans) - new

    def _cook_plans(self, plans: list[bulk.Plan], report: FileReport) -> list[bulk.Plan]:
        """Cook the bodies; a body with nothing left once cleaned refuses its record."""
        cooked = self._cook([plan.body for plan in plans if plan.body is not None])
        kept = []
        for plan, (html, search) in zip(plans, cooked, strict=True):
            if plan.reply_to is not None and plan.reply_to.refused:
                if plan.topic_from_reply:
                    plan.refused = "reply_to: that post was refused"
                else:
                    plan.reply_to = None  # a reply to the topic, as when the post is missing
            if not plan.refused and not html.strip():
                plan.refused = "body: nothing left once cleaned"
            if plan.refused:
                report.errors.append((plan.where, plan.refused))
                continue
            plan.cooked = (html, search)
            kept.append(plan)
        return kept

    def _write_each(self, kind: bulk.Kind, plans: list[bulk.Plan], report: FileReport) -> int:
        """After the database refused a batch: each record alone, naming the conflicts."""
        new = 0
        for plan in plans:
            plan.local_id = None
        for plan in plans:
            try:
                with savepoint():
                    new += kind.write(self.source, [plan])
            except (IntegrityError, RecordError) as error:
                plan.refused = _message(error)
                report.errors.append((plan.where, plan.refused))
        return new

    def _write_one_by_one(self, name: str, records: list[tuple[str, dict[str, Any]]],
                          known: bulk.Known, report: FileReport) -> None:  # fmt: skip
        """The smaller files: each record in its own savepoint."""
        handle = single_records.HANDLERS[name]
        for where, record in records:
            try:
                with savepoint():
                    imported = handle(self.source, record, known)
            except (RecordError, AccountError, ForumError, IntegrityError) as error:
                report.errors.append((where, _message(error)))
                continue
            if imported:
                report.imported += 1
            else:
                report.known += 1


@cache
def _local_ids_statement(dialect_name: str) -> Any:
    """On SQLite the ids go in as one JSON text; PostgreSQL keeps a plain IN list (an
    array parameter there made its generic plan scan the table: up to a second a batch)."""
    if dialect_name == "postgresql":
        among: Any = ImportedRecord.source_id.in_(bindparam("wanted", expanding=True))
    else:
        values = select(literal_column("value")).select_from(
            func.json_each(bindparam("wanted", type_=String))
        )
        among = ImportedRecord.source_id.in_(values)
    return select(ImportedRecord.source_id, ImportedRecord.local_id).where(
        ImportedRecord.source == bindparam("source"),
        ImportedRecord.kind == bindparam("kind"),
        among,
    )


# Which fields of each file name records of which kind (resolved per batch).
_REFERENCES: dict[str, dict[str, str]] = {
    "members": {},
    "categories": {},
    "topics": {"category": "category", "author": "member"},
    "posts": {"topic": "topic", "author": "member", "reply_to": "post"},
    "votes": {"post": "post", "voter": "member"},
    "accepted": {"topic": "topic", "post": "post"},
    "badges": {"member": "member"},
    "signals": {"member": "member"},
}
_OWN_KIND = {"members": "member", "categories": "category", "topics": "topic", "posts": "post"}


def _message(error: Exception) -> str:
    if isinstance(error, IntegrityError):
        return f"conflicts with existing data ({error.orig})"
    return str(getattr(error, "message", None) or error)


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, count: int) -> None:
        return None


def _bar(progress: Progress | None, name: str, total: int) -> Any:
    return progress(name, total) if progress else _NoBar()
