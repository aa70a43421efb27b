"""Members, topics, posts and votes imported a batch at a time (most of an import's rows).

Each record is checked first, without writing (a refused record never reaches the
database), then the batch's bodies are cooked, then the whole batch is written with a
few multi-row INSERTs, each record with its source id remembered. If the database
still refuses the batch (a conflict no check foresaw), the importer writes its records
one at a time, each in a savepoint, and reports the ones that conflict.

A record may refer to one earlier in the same batch (a reply to a reply, a comment on
an answer just read): it holds that record's plan until the batch is written.

Every function here takes the import's ``source`` (the name its ids come from), not the
importer: the importer drives this module, never the other way round.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, insert, select

from app.accounts.models import User
from app.accounts.resets import UNDELIVERABLE
from app.accounts.services import AccountError, check_username, normalize_email
from app.core.permissions import ROLES, SYSTEM_ROLE
from app.core.sql import insert_for
from app.core.text import search_normal_form
from app.extensions import db
from app.forum.models import AnonymousVote, Post, PostVote, Topic, topic_tags
from app.forum.tags import parse_tags, tags_by_name
from app.interchange.models import ImportedRecord
from app.interchange.reader import RecordError, flag, ident, moment, text

BODY_MAX = 32_000 * 4  # imported posts may be longer than new ones; still bounded
PLACEHOLDER_PREFIX = "imported+"
Known = dict[str, dict[str, Any]]  # field -> source id -> local id, or a Plan of the batch


@dataclass(eq=False)
class Plan:
    """One checked record, waiting for its batch to be written."""

    where: str
    source_id: str
    values: dict[str, Any]
    body: tuple[str, str, str] | None = None  # (source, format, title) to cook
    tags: list[str] = field(default_factory=list)
    reply_to: Plan | None = None  # a post of the same batch
    topic_from_reply: bool = False  # a comment: its topic is the replied post's
    same_as: Plan | None = None  # a member of the same batch with the same email
    existing_id: int | None = None  # a member whose email has an account here
    cooked: tuple[str, str] | None = None  # (safe HTML, search text)
    local_id: int | None = None
    refused: str | None = None  # why, once cooking or a conflict refused it


def ref(record: dict[str, Any], name: str, known: Known) -> Any:
    """The local id (or plan) a reference field names; RecordError if it is not in."""
    value = record.get(name)
    if value is None or value == "":
        raise RecordError(f"{name}: required")
    local = known.get(name, {}).get(str(value))
    if local is None or (isinstance(local, Plan) and local.refused):
        raise RecordError(f"{name}: {value!r} is not imported (missing from its file, or refused)")
    return local


def _id(value: int | Plan) -> int:
    if isinstance(value, Plan):
        if value.local_id is None:
            raise RecordError("refers to a record of this batch that was refused")
        return value.local_id
    return value


def remember(source: str, kind: str, pairs: list[tuple[str, int]]) -> None:
    if pairs:
        db.session.execute(
            insert(ImportedRecord),
            [{"source": source, "kind": kind, "source_id": source_id, "local_id": local}
             for source_id, local in pairs],
        )  # fmt: skip


def _insert_returning_ids(model: Any, rows: list[dict[str, Any]]) -> list[int]:
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(statement, rows))


def _body(record: dict[str, Any], title: str) -> tuple[str, str, str]:
    body = text(record, "body", max_length=BODY_MAX)
    body_format = text(record, "format", required=False) or "markdown"
    if body_format not in ("markdown", "html"):
        raise RecordError(f"format: {body_format!r} is not markdown or html")
    return body, body_format, title


def _post_values(plan: Plan) -> dict[str, Any]:
    assert plan.body is not None and plan.cooked is not None
    html, search = plan.cooked
    return {**plan.values, "body_source": plan.body[0], "body_format": plan.body[1],
            "body_html": html, "search_text": search}  # fmt: skip


# -- members ------------------------------------------------------------------------


def member_lookups(source: str, records: list[dict[str, Any]], known: Known
                   ) -> dict[str, Any]:  # fmt: skip
    """Accounts that already hold the batch's emails (the same person: linked)."""
    emails = set()
    for record in records:
        try:
            emails.add(_email(source, record))
        except RecordError:
            continue  # reported when the record itself is checked
    found = db.session.execute(
        select(func.lower(User.email), User.id).where(func.lower(User.email).in_(emails))
    )
    return {"accounts": dict(found.all()), "batch": {}}


def _email(source: str, record: dict[str, Any]) -> str:
    email = text(record, "email", required=False, max_length=254)
    if email:
        return normalize_email(email).lower()
    return placeholder_email(source, ident(record)).lower()


def prepare_member(source: str, where: str, record: dict[str, Any], known: Known,
                   lookups: dict[str, Any]) -> Plan:  # fmt: skip
    source_id = ident(record)
    email = _email(source, record)
    plan = Plan(where, source_id, {})
    if (existing := lookups["accounts"].get(email.lower())) is not None:
        plan.existing_id = existing  # the same person already has an account here
        return plan
    if (earlier := lookups["batch"].get(email.lower())) is not None:
        plan.same_as = earlier
        return plan
    role = text(record, "role", required=False) or "member"
    if role not in (*ROLES, SYSTEM_ROLE):
        raise RecordError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    plan.values = {
        "username": text(record, "username", max_length=64), "email": email,
        "password_hash": None,  # they claim the account with a reset link later
        "role": role, "bio": text(record, "bio", required=False, max_length=2000),
        "locale": text(record, "locale", required=False, max_length=8) or None,
        "created_at": moment(record, "created_at"),
        "active": role != SYSTEM_ROLE,  # a system account: no one logs in to it
        "external_customer_id": text(record, "customer_id", required=False, max_length=64)
        or None,
    }  # fmt: skip
    lookups["batch"][email.lower()] = plan
    return plan


def write_members(source: str, plans: list[Plan]) -> int:
    new = [p for p in plans if p.existing_id is None and p.same_as is None]
    wanted = [_base_name(p.values["username"]) for p in new]
    taken = set(db.session.scalars(
        select(User.username_key).where(User.username_key.in_([w.lower() for w in wanted]))
    ))  # fmt: skip
    for plan, base in zip(new, wanted, strict=True):
        name = base if _valid(base) and base.lower() not in taken else free_username(base, taken)
        taken.add(name.lower())
        plan.values.update(username=name, username_key=name.lower())
    user_ids = _insert_returning_ids(User, [p.values for p in new])
    for plan, user_id in zip(new, user_ids, strict=True):
        plan.local_id = user_id
    for plan in plans:
        if plan.existing_id is not None:
            plan.local_id = plan.existing_id
        elif plan.same_as is not None:
            plan.local_id = _id(plan.same_as)
    remember(source, "member", [(p.source_id, _id(p)) for p in plans])
    return len(plans)


def placeholder_email(source: str, source_id: str) -> str:
    """An address that can never receive mail (RFC 2606), until the member claims it.

    One per source id: an id the address cannot spell as it is ("-1" beside "1", "A"
    beside "a", a long one) gets a digest of the exact id added, so no two meet.
    """
    raw = f"{source}-{source_id}"
    safe = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")
    if safe != raw or len(safe) > 180:
        digest = hashlib.sha256(raw.encode()).hexdigest()[:16]
        safe = f"{safe[:180]}-{digest}"
    return f"{PLACEHOLDER_PREFIX}{safe}{UNDELIVERABLE}"


def _base_name(wanted: str) -> str:
    # Accents dropped rather than the letters ("Élodie" becomes "Elodie").
    ascii_name = unicodedata.normalize("NFKD", wanted).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", ascii_name.strip())[:28].strip("._-") or "member"
    return base if len(base) >= 3 else f"{base}_member"[:28]


def _valid(name: str) -> bool:
    try:
        check_username(name)
    except AccountError:
        return False
    return True


def free_username(base: str, taken: set[str]) -> str:
    """``base`` with a number added until it is valid and neither here nor in ``taken``."""
    for n in range(1, 10_000):
        candidate = f"{base[:24]}_{n}"
        if candidate.lower() in taken or not _valid(candidate):
            continue
        if db.session.scalar(select(User.id).where(User.username_key == candidate.lower())):
            continue
        return candidate
    raise RecordError("username: no free name found")


# -- topics (each with its opening post) and posts -----------------------------------


def prepare_topic(source: str, where: str, record: dict[str, Any], known: Known,
                  lookups: dict[str, Any]) -> Plan:  # fmt: skip
    source_id = ident(record)
    kind = text(record, "kind", required=False) or "question"
    if kind not in ("question", "discussion"):
        raise RecordError(f"kind: {kind!r} is not question or discussion")
    title = text(record, "title", max_length=200).strip()
    if not title:
        raise RecordError("title: required")
    tags = record.get("tags") or []
    if not isinstance(tags, list):
        raise RecordError("tags: must be a list")
    at = moment(record, "created_at")
    author_id = ref(record, "author", known)
    values = {
        "category_id": ref(record, "category", known), "author_id": author_id, "kind": kind,
        "title": title, "created_at": at, "last_posted_at": at, "last_poster_id": author_id,
        "pinned": flag(record, "pinned"), "locked": flag(record, "locked"),
        "deleted_at": moment(record, "deleted_at", required=False),
    }  # fmt: skip
    return Plan(where, source_id, values, body=_body(record, title),
                tags=parse_tags([str(t) for t in tags]))  # fmt: skip


def write_topics(source: str, plans: list[Plan]) -> int:
    tag_ids = {t.name: t.id for t in tags_by_name(sorted({n for p in plans for n in p.tags}))}
    cooked = [p.cooked for p in plans]
    topic_ids = _insert_returning_ids(Topic, [p.values for p in plans])
    openings = [
        {"topic_id": topic_id, "author_id": p.values["author_id"], "position": 0,
         "created_at": p.values["created_at"], "deleted_at": p.values["deleted_at"],
         "body_source": p.body[0], "body_format": p.body[1], "body_html": html,
         "search_text": search, "search_title": search_normal_form(p.values["title"])}
        for p, topic_id, (html, search) in zip(plans, topic_ids, cooked, strict=True)
        if p.body is not None
    ]  # fmt: skip
    post_ids = _insert_returning_ids(Post, openings)
    links = [{"topic_id": topic_id, "tag_id": tag_ids[name]}
             for p, topic_id in zip(plans, topic_ids, strict=True) for name in p.tags]  # fmt: skip
    if links:
        db.session.execute(topic_tags.insert(), links)
    for plan, topic_id in zip(plans, topic_ids, strict=True):
        plan.local_id = topic_id
    remember(source, "topic", [(p.source_id, p.local_id) for p in plans])  # type: ignore[misc]
    remember(source, "post", [(f"topic:{p.source_id}", post_id)
                                for p, post_id in zip(plans, post_ids, strict=True)])  # fmt: skip
    return len(plans)


def post_lookups(source: str, records: list[dict[str, Any]], known: Known
                 ) -> dict[str, Any]:  # fmt: skip
    """The topics of the posts the batch's comments are on."""
    posts = {v for v in known["reply_to"].values() if isinstance(v, int)}
    found = db.session.execute(select(Post.id, Post.topic_id).where(Post.id.in_(posts)))
    return {"topic_of": dict(found.all())}


def prepare_post(source: str, where: str, record: dict[str, Any], known: Known,
                 lookups: dict[str, Any]) -> Plan:  # fmt: skip
    source_id = ident(record)
    reply_to = None
    if record.get("reply_to") not in (None, ""):
        # A reply to a post that is not in is kept, as a reply to the topic.
        reply_to = known["reply_to"].get(str(record["reply_to"]))
        if record.get("topic") in (None, ""):
            reply_to = ref(record, "reply_to", known)  # a comment names only its post
    if record.get("topic") in (None, "") and reply_to is not None:
        topic_id = (
            reply_to.values["topic_id"] if isinstance(reply_to, Plan)
            else lookups["topic_of"][reply_to]
        )  # fmt: skip
    else:
        topic_id = ref(record, "topic", known)
    values = {
        "topic_id": topic_id, "author_id": ref(record, "author", known),
        "created_at": moment(record, "created_at"),
        "deleted_at": moment(record, "deleted_at", required=False),
        "reply_to_post_id": reply_to if isinstance(reply_to, int) else None,
        "is_comment": flag(record, "comment"),
    }  # fmt: skip
    plan = Plan(where, source_id, values, body=_body(record, ""))
    plan.reply_to = reply_to if isinstance(reply_to, Plan) else None
    plan.topic_from_reply = record.get("topic") in (None, "")
    return plan


def write_posts(source: str, plans: list[Plan]) -> int:
    topics = {p.values["topic_id"] for p in plans}
    last = dict(db.session.execute(
        select(Post.topic_id, func.max(Post.position))
        .where(Post.topic_id.in_(topics)).group_by(Post.topic_id)
    ).all())  # fmt: skip
    rows = []
    for plan in plans:
        topic_id = plan.values["topic_id"]
        last[topic_id] = last.get(topic_id, 0) + 1  # in file order: write them in time order
        rows.append({**_post_values(plan), "position": last[topic_id]})
    for plan, post_id in zip(plans, _insert_returning_ids(Post, rows), strict=True):
        plan.local_id = post_id
    replies = [{"b_id": p.local_id, "b_reply": _id(p.reply_to)} for p in plans if p.reply_to]
    if replies:
        db.session.execute(
            Post.__table__.update()
            .where(Post.__table__.c.id == bindparam("b_id"))
            .values(reply_to_post_id=bindparam("b_reply")),
            replies,
        )
    remember(source, "post", [(p.source_id, p.local_id) for p in plans])  # type: ignore[misc]
    return len(plans)


# -- votes ----------------------------------------------------------------------------


def vote_lookups(source: str, records: list[dict[str, Any]], known: Known
                 ) -> dict[str, Any]:  # fmt: skip
    """The authors of the posts voted for (no one votes for their own)."""
    posts = set(known["post"].values())
    found = db.session.execute(select(Post.id, Post.author_id).where(Post.id.in_(posts)))
    return {"author_of": dict(found.all())}


def prepare_vote(source: str, where: str, record: dict[str, Any], known: Known,
                 lookups: dict[str, Any]) -> Plan:  # fmt: skip
    post_id = ref(record, "post", known)
    at = moment(record, "created_at")
    if record.get("voter") in (None, ""):
        # A vote whose voter the source does not name: it counts, under no member.
        key = ident(record, required=False)
        if not key:
            raise RecordError("id: required for a vote without a voter (it makes it unique)")
        values = {"post_id": post_id, "created_at": at, "source": source,
                  "source_key": key}  # fmt: skip
        return Plan(where, key, values)
    voter_id = ref(record, "voter", known)
    if lookups["author_of"].get(post_id) == voter_id:
        raise RecordError("voter: members do not vote for their own posts here")
    return Plan(where, "", {"post_id": post_id, "user_id": voter_id, "created_at": at})


def write_votes(source: str, plans: list[Plan]) -> int:
    named = [p.values for p in plans if "user_id" in p.values]
    anonymous = [p.values for p in plans if "source_key" in p.values]
    return _insert_new(PostVote, ["post_id", "user_id"], named) + _insert_new(
        AnonymousVote, ["source", "source_key"], anonymous
    )


def _insert_new(model: Any, unique: list[str], rows: list[dict[str, Any]]) -> int:
    """Insert the rows not already there (by ``unique``); returns how many went in."""
    if not rows:
        return 0
    statement = (
        insert_for(model)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(getattr(model, unique[0]))
    )
    return len(db.session.execute(statement, rows).all())


def no_lookups(source: str, records: list[dict[str, Any]], known: Known
               ) -> dict[str, Any]:  # fmt: skip
    return {}


@dataclass(frozen=True)
class Kind:
    """How the records of one file are checked, looked up and written a batch at a time."""

    prepare: Any
    write: Any
    lookups: Any = no_lookups
    cooked: bool = False  # its plans have bodies to cook
    self_reference: str | None = None  # a field that may name a record of the same batch


KINDS = {
    "members": Kind(prepare_member, write_members, member_lookups),
    "topics": Kind(prepare_topic, write_topics, cooked=True),
    "posts": Kind(prepare_post, write_posts, post_lookups, cooked=True, self_reference="reply_to"),
    "votes": Kind(prepare_vote, write_votes, vote_lookups),
}
