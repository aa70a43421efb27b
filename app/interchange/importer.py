"""Importing an interchange folder: streaming, idempotent, resumable, record by record.

Each file is read a line at a time and imported in batches: one savepoint per record
(a refused record leaves nothing behind), one commit per batch, and every record's
source id remembered with the row it became, in the same transaction. Importing a
folder again, or after a stop halfway, skips what is already in. Nothing is notified
or mailed; points, badges and leaderboards are derived from the rows at the end.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.accounts.services import AccountError, check_username, normalize_email
from app.ambassadors.models import SIGNAL_KINDS, ExternalSignal
from app.badges.catalogue import BY_SLUG
from app.badges.models import BadgeAward
from app.core import events
from app.core.clock import now_utc
from app.core.permissions import ROLES
from app.core.sql import insert_for
from app.core.text import clean_html, cook, plain_text, search_normal_form
from app.extensions import db
from app.forum.models import AnonymousVote, Category, Post, PostVote, Topic
from app.forum.services import ForumError, parse_tags, tags_by_name
from app.interchange import reader
from app.interchange.models import ImportedRecord
from app.interchange.reader import RecordError, flag, ident, moment, text

BATCH = 500
BODY_MAX = 32_000 * 4  # imported posts may be longer than new ones; still bounded


@dataclass
class FileReport:
    name: str
    imported: int = 0
    known: int = 0
    skipped: int = 0  # rows the source has that Tribune does not take (down-votes...)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file:line, message)


Progress = Callable[[str, int], Any]  # (file name, records) -> a context with update(n)
# (where: "file:line", the record, a RecordError for a broken one, or None: skipped)
Located = tuple[str, dict[str, Any] | RecordError | None]


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
    ) -> None:
        self.source = source
        self.sources = sources
        self.progress = progress
        self.shared_post_ids = shared_post_ids
        self._remembered: dict[str, dict[str, int]] = {}

    @classmethod
    def from_folder(cls, folder: Path, progress: Progress | None = None) -> Importer:
        manifest = reader.read_manifest(folder)
        return cls(manifest.source, folder_sources(folder), progress=progress)

    # -- the source-id map ----------------------------------------------------------

    def _local_ids(self, kind: str, source_ids: Iterable[str]) -> dict[str, int]:
        wanted = list(set(source_ids))
        if not wanted:
            return {}
        rows = db.session.execute(
            select(ImportedRecord.source_id, ImportedRecord.local_id).where(
                ImportedRecord.source == self.source,
                ImportedRecord.kind == kind,
                ImportedRecord.source_id.in_(wanted),
            )
        )
        return {source_id: local_id for source_id, local_id in rows}

    def _remember(self, kind: str, source_id: str, local_id: int) -> None:
        db.session.add(
            ImportedRecord(source=self.source, kind=kind, source_id=source_id, local_id=local_id)
        )
        self._remembered.setdefault(kind, {})[source_id] = local_id

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
        reports = [self._import_file(source) for source in self.sources]
        self._recount()
        db.session.commit()
        # Points, badges and leaderboards from the rows, at their original dates.
        events.history_imported.send("interchange")
        return reports

    def _import_file(self, source: RecordSource) -> FileReport:
        name = source.name
        report = FileReport(name)
        handle: Callable[[dict[str, Any], dict[str, dict[str, int]]], bool] = getattr(
            self, f"_{name}"
        )
        refs = _REFERENCES[name]
        total = source.count() if self.progress else 0
        with _bar(self.progress, name, total) as bar:
            batch: list[Located] = []
            for item in source.records():
                batch.append(item)
                if len(batch) >= BATCH:
                    self._batch(batch, handle, refs, name, report)
                    bar.update(len(batch))
                    batch = []
            if batch:
                self._batch(batch, handle, refs, name, report)
                bar.update(len(batch))
        return report

    def _batch(self, batch, handle, refs, name, report) -> None:  # type: ignore[no-untyped-def]
        """Resolve the batch's references in a few queries, then each record alone."""
        good = [rec for _, rec in batch if isinstance(rec, dict)]
        known: dict[str, dict[str, int]] = {}
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
        for where, record in batch:
            if record is None:
                report.skipped += 1
                continue
            if isinstance(record, RecordError):
                report.errors.append((where, str(record)))
                continue
            if own_kind and str(record.get("id")) in done:
                report.known += 1
                continue
            self._remembered = {}
            try:
                with db.session.begin_nested():
                    imported = handle(record, known)
            except (RecordError, AccountError, ForumError) as error:
                message = getattr(error, "message", None) or str(error)
                report.errors.append((where, str(message)))
                continue
            except IntegrityError as error:
                report.errors.append((where, f"conflicts with existing data ({error.orig})"))
                continue
            # Later records of the batch may refer to this one (a reply to a reply).
            for field_name, kind in refs.items():
                known[field_name].update(self._remembered.get(kind, {}))
            if imported:
                report.imported += 1
            else:
                report.known += 1
        db.session.commit()

    # -- one record of each kind (inside a savepoint; True if something was added) --

    def _members(self, record: dict[str, Any], known: dict[str, dict[str, int]]) -> bool:
        source_id = ident(record)
        email = text(record, "email", required=False, max_length=254)
        email = normalize_email(email) if email else _placeholder_email(self.source, source_id)
        existing = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if existing is not None:  # the same person already has an account here: link them
            self._remember("member", source_id, existing.id)
            return True
        role = text(record, "role", required=False) or "member"
        if role not in ROLES:
            raise RecordError(f"role: {role!r} is not one of {', '.join(ROLES)}")
        user = User(
            username=_free_username(text(record, "username", max_length=64)),
            email=email,
            password_hash=None,  # they claim the account with a reset link later
            role=role,
            bio=text(record, "bio", required=False, max_length=2000),
            locale=text(record, "locale", required=False, max_length=8) or None,
            created_at=moment(record, "created_at"),
            external_customer_id=text(record, "customer_id", required=False, max_length=64) or None,
        )
        user.username_key = user.username.lower()
        db.session.add(user)
        db.session.flush()
        self._remember("member", source_id, user.id)
        return True

    def _categories(self, record: dict[str, Any], known: dict[str, dict[str, int]]) -> bool:
        source_id = ident(record)
        slug = text(record, "slug", max_length=80)
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
            raise RecordError(f"slug: {slug!r} must be lower-case words joined by '-'")
        category = db.session.scalar(select(Category).where(Category.slug == slug))
        if category is None:
            position = record.get("position", 0)
            if not isinstance(position, int):
                raise RecordError("position: must be a whole number")
            category = Category(
                name=text(record, "name", max_length=80),
                slug=slug,
                description=text(record, "description", required=False, max_length=2000),
                position=position,
            )
            db.session.add(category)
            db.session.flush()
        self._remember("category", source_id, category.id)
        return True

    def _topics(self, record: dict[str, Any], known: dict[str, dict[str, int]]) -> bool:
        source_id = ident(record)
        category_id = _ref(record, "category", known)
        author_id = _ref(record, "author", known)
        kind = text(record, "kind", required=False) or "question"
        if kind not in ("question", "discussion"):
            raise RecordError(f"kind: {kind!r} is not question or discussion")
        title = text(record, "title", max_length=200).strip()
        if not title:
            raise RecordError("title: required")
        at = moment(record, "created_at")
        tags = record.get("tags") or []
        if not isinstance(tags, list):
            raise RecordError("tags: must be a list")
        topic = Topic(
            category_id=category_id, author_id=author_id, kind=kind, title=title,
            created_at=at, last_posted_at=at, last_poster_id=author_id,
            pinned=flag(record, "pinned"), locked=flag(record, "locked"),
            deleted_at=moment(record, "deleted_at", required=False),
        )  # fmt: skip
        topic.tags = tags_by_name(parse_tags([str(t) for t in tags]))
        db.session.add(topic)
        db.session.flush()
        post = Post(
            topic_id=topic.id,
            author_id=author_id,
            position=0,
            created_at=at,
            deleted_at=topic.deleted_at,
        )  # a deleted topic's opening post is too
        _body_into(post, record, title)
        db.session.add(post)
        db.session.flush()
        self._remember("topic", source_id, topic.id)
        self._remember("post", f"topic:{source_id}", post.id)
        return True

    def _posts(self, record: dict[str, Any], known: dict[str, dict[str, int]]) -> bool:
        source_id = ident(record)
        reply_to = record.get("reply_to")
        reply_to_id = known["reply_to"].get(str(reply_to)) if reply_to not in (None, "") else None
        if record.get("topic") in (None, "") and reply_to not in (None, ""):
            # A comment names only the post it is on: it goes in that post's topic.
            reply_to_id = _ref(record, "reply_to", known)
            topic_id = db.session.scalar(select(Post.topic_id).where(Post.id == reply_to_id))
        else:
            topic_id = _ref(record, "topic", known)
        author_id = _ref(record, "author", known)
        at = moment(record, "created_at")
        position = db.session.scalar(
            select(func.coalesce(func.max(Post.position), 0) + 1).where(Post.topic_id == topic_id)
        )
        post = Post(
            topic_id=topic_id, author_id=author_id, position=position, created_at=at,
            reply_to_post_id=reply_to_id, deleted_at=moment(record, "deleted_at", required=False),
        )  # fmt: skip
        _body_into(post, record, None)
        db.session.add(post)
        db.session.flush()
        self._remember("post", source_id, post.id)
        return True

    def _votes(self, record: dict[str, Any], known: dict[str, dict[str, int]]) -> bool:
        post_id = _ref(record, "post", known)
        if record.get("voter") in (None, ""):
            return self._anonymous_vote(record, post_id)
        voter_id = _ref(record, "voter", known)
        author_id = db.session.scalar(select(Post.author_id).where(Post.id == post_id))
        if author_id == voter_id:
            raise RecordError("voter: members do not vote for their own posts here")
        statement = (
            insert_for(PostVote)
            .values(post_id=post_id, user_id=voter_id, created_at=moment(record, "created_at"))
            .on_conflict_do_nothing(index_elements=["post_id", "user_id"])
        )
        return bool(db.session.execute(statement).rowcount)

    def _anonymous_vote(self, record: dict[str, Any], post_id: int) -> bool:
        """A vote whose voter the source does not name: it counts, under no member."""
        key = ident(record, required=False)
        if not key:
            raise RecordError("id: required for a vote without a voter (it makes it unique)")
        statement = (
            insert_for(AnonymousVote)
            .values(post_id=post_id, created_at=moment(record, "created_at"),
                    source=self.source, source_key=key)
            .on_conflict_do_nothing(index_elements=["source", "source_key"])
        )  # fmt: skip
        return bool(db.session.execute(statement).rowcount)

    def _accepted(self, record: dict[str, Any], known: dict[str, dict[str, int]]) -> bool:
        topic_id = _ref(record, "topic", known)
        post_id = _ref(record, "post", known)
        post_topic = db.session.scalar(select(Post.topic_id).where(Post.id == post_id))
        if post_topic != topic_id:
            raise RecordError("post: that answer is not in this topic")
        topic = db.session.get(Topic, topic_id)
        assert topic is not None
        if topic.accepted_post_id == post_id:
            return False
        topic.accepted_post_id = post_id
        return True

    def _badges(self, record: dict[str, Any], known: dict[str, dict[str, int]]) -> bool:
        user_id = _ref(record, "member", known)
        slug = text(record, "badge", max_length=48)
        rule = BY_SLUG.get(slug)
        if rule is None:
            raise RecordError(f"badge: no badge {slug!r} in Tribune's catalogue")
        if rule.repeatable:
            raise RecordError(f"badge: {slug!r} is earned per post or category; it is recomputed")
        statement = (
            insert_for(BadgeAward)
            .values(user_id=user_id, badge=slug, award_key=f"{slug}:{user_id}",
                    awarded_at=moment(record, "awarded_at"), reason={"imported": self.source})
            .on_conflict_do_nothing(index_elements=["award_key"])
        )  # fmt: skip
        return bool(db.session.execute(statement).rowcount)

    def _signals(self, record: dict[str, Any], known: dict[str, dict[str, int]]) -> bool:
        user_id = _ref(record, "member", known)
        kind = text(record, "kind")
        if kind not in SIGNAL_KINDS:
            raise RecordError(f"kind: {kind!r} is not one of {', '.join(SIGNAL_KINDS)}")
        value = record.get("value", 1)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise RecordError("value: must be a number")
        occurred_at = moment(record, "occurred_at")
        assert occurred_at is not None
        source = text(record, "source", required=False, max_length=64) or self.source
        key = ident(record, required=False) or f"{user_id}:{kind}:{value}:{occurred_at}"
        dedupe = hashlib.sha256(f"{self.source}\x1f{source}\x1f{key}".encode()).hexdigest()
        statement = (
            insert_for(ExternalSignal)
            .values(user_id=user_id, kind=kind, value=float(value), occurred_at=occurred_at,
                    source=source, dedupe_key=dedupe, imported_at=now_utc())
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )  # fmt: skip
        return bool(db.session.execute(statement).rowcount)

    # -- counters, in SQL, for every topic and category ----------------------------

    def _recount(self) -> None:
        live_replies = (
            select(func.count(Post.id))
            .where(Post.topic_id == Topic.id, Post.position > 0, Post.deleted_at.is_(None))
            .scalar_subquery()
        )
        last_post = (
            select(func.max(Post.created_at))
            .where(Post.topic_id == Topic.id, Post.deleted_at.is_(None))
            .scalar_subquery()
        )
        # A topic whose posts are all deleted keeps the date it has (the column is required).
        latest = func.coalesce(last_post, Topic.last_posted_at)
        db.session.execute(update(Topic).values(reply_count=live_replies, last_posted_at=latest))
        named = select(func.count()).where(PostVote.post_id == Post.id).scalar_subquery()
        anonymous = select(func.count()).where(AnonymousVote.post_id == Post.id).scalar_subquery()
        db.session.execute(update(Post).values(vote_count=named + anonymous))
        live_topic = (Topic.category_id == Category.id) & Topic.deleted_at.is_(None)
        db.session.execute(
            update(Category).values(
                topic_count=select(func.count(Topic.id)).where(live_topic).scalar_subquery(),
                post_count=select(func.coalesce(func.sum(Topic.reply_count + 1), 0))
                .where(live_topic)
                .scalar_subquery(),
                last_posted_at=select(func.max(Topic.last_posted_at))
                .where(live_topic)
                .scalar_subquery(),
            )
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


def _ref(record: dict[str, Any], name: str, known: dict[str, dict[str, int]]) -> int:
    """The local id a reference field names; RecordError if it was not imported."""
    value = record.get(name)
    if value is None or value == "":
        raise RecordError(f"{name}: required")
    local = known.get(name, {}).get(str(value))
    if local is None:
        raise RecordError(f"{name}: {value!r} is not imported (missing from its file, or refused)")
    return local


def _body_into(post: Post, record: dict[str, Any], title: str | None) -> None:
    body = text(record, "body", max_length=BODY_MAX)
    kind = text(record, "format", required=False) or "markdown"
    if kind == "markdown":
        html = cook(body)
    elif kind == "html":
        html = clean_html(body)
    else:
        raise RecordError(f"format: {kind!r} is not markdown or html")
    if not html.strip():
        raise RecordError("body: nothing left once cleaned")
    post.body_source, post.body_html, post.body_format = body, html, kind
    words = body if kind == "markdown" else plain_text(html)
    post.search_text = search_normal_form(f"{title or ''} {words}")


def _placeholder_email(source: str, source_id: str) -> str:
    """An address that can never receive mail (RFC 2606), until the member claims it."""
    safe = re.sub(r"[^a-z0-9]+", "-", f"{source}-{source_id}".lower()).strip("-")
    return f"imported+{safe[:200]}@users.invalid"


def _free_username(wanted: str) -> str:
    """The wanted name made valid, with a number added while it is taken."""
    # Accents dropped rather than the letters ("Élodie" becomes "Elodie").
    ascii_name = unicodedata.normalize("NFKD", wanted).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", ascii_name.strip())[:28].strip("._-") or "member"
    if len(base) < 3:
        base = f"{base}_member"[:28]
    for n in range(0, 10_000):
        candidate = base if n == 0 else f"{base[:24]}_{n}"
        try:
            check_username(candidate)
        except AccountError:
            continue
        taken = db.session.scalar(select(User.id).where(User.username_key == candidate.lower()))
        if taken is None:
            return candidate
    raise RecordError("username: no free name found")


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, count: int) -> None:
        return None


def _bar(progress: Progress | None, name: str, total: int) -> Any:
    return progress(name, total) if progress else _NoBar()
