"""The smaller files of the format, one record at a time, each in the caller's savepoint.

Each handler takes the import's source name, the record and its resolved references, and
returns True if it added something (False: it was already in).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app.ambassadors.models import SIGNAL_KINDS, ExternalSignal
from app.badges.catalogue import BY_SLUG
from app.badges.models import BadgeAward
from app.core.clock import now_utc
from app.core.sql import insert_for
from app.extensions import db
from app.forum.models import Category
from app.interchange import bulk
from app.interchange.reader import RecordError, ident, moment, text

# For each reference field, source id -> local id (resolved by the importer per batch).
References = dict[str, dict[str, int]]


def categories(import_source: str, record: dict[str, Any], known: References) -> bool:
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
    bulk.remember(import_source, "category", [(source_id, category.id)])
    return True


def badges(import_source: str, record: dict[str, Any], known: References) -> bool:
    user_id = bulk.ref(record, "member", known)
    slug = text(record, "badge", max_length=48)
    rule = BY_SLUG.get(slug)
    if rule is None:
        raise RecordError(f"badge: no badge {slug!r} in Tribune's catalogue")
    if rule.repeatable:
        raise RecordError(f"badge: {slug!r} is earned per post or category; it is recomputed")
    statement = (
        insert_for(BadgeAward)
        .values(user_id=user_id, badge=slug, award_key=f"{slug}:{user_id}",
                awarded_at=moment(record, "awarded_at"), reason={"imported": import_source})
        .on_conflict_do_nothing(index_elements=["award_key"])
    )  # fmt: skip
    return bool(db.session.execute(statement).rowcount)


def signals(import_source: str, record: dict[str, Any], known: References) -> bool:
    user_id = bulk.ref(record, "member", known)
    kind = text(record, "kind")
    if kind not in SIGNAL_KINDS:
        raise RecordError(f"kind: {kind!r} is not one of {', '.join(SIGNAL_KINDS)}")
    value = record.get("value", 1)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise RecordError("value: must be a number")
    occurred_at = moment(record, "occurred_at")
    assert occurred_at is not None
    source = text(record, "source", required=False, max_length=64) or import_source
    key = ident(record, required=False) or f"{user_id}:{kind}:{value}:{occurred_at}"
    dedupe = hashlib.sha256(f"{import_source}\x1f{source}\x1f{key}".encode()).hexdigest()
    statement = (
        insert_for(ExternalSignal)
        .values(user_id=user_id, kind=kind, value=float(value), occurred_at=occurred_at,
                source=source, dedupe_key=dedupe, imported_at=now_utc())
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )  # fmt: skip
    return bool(db.session.execute(statement).rowcount)


Handler = Callable[[str, dict[str, Any], References], bool]
# The file names written record by record (the others go through app/interchange/bulk.py).
HANDLERS: dict[str, Handler] = {
    "categories": categories,
    "badges": badges,
    "signals": signals,
}
