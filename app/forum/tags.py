"""Tags and @mentions in what members write: parsing, finding or creating, linking."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core.sql import savepoint
from app.core.text import find_mentions
from app.core.urls import path_for
from app.extensions import db
from app.forum import visibility
from app.forum.errors import ForumError
from app.forum.models import Category, Tag, Topic, topic_tags

TAG_RE = re.compile(r"^[a-z0-9][a-z0-9+#.-]{0,31}$")
MAX_TAGS = 5
SUGGESTIONS = 8


def parse_tags(raw: str | Iterable[str]) -> list[str]:
    """Tag names from "a, b c" or a list: lower case, unique, checked."""
    parts = re.split(r"[\s,]+", raw) if isinstance(raw, str) else list(raw)
    names = list(dict.fromkeys(p.strip().lower().lstrip("#") for p in parts if p.strip()))
    if len(names) > MAX_TAGS:
        raise ForumError(_l("At most %(n)d tags.", n=MAX_TAGS), field="tags")
    for name in names:
        if not TAG_RE.match(name):
            raise ForumError(
                _l("Tags are up to 32 letters, digits, '+', '#', '.' or '-': %(t)s", t=name),
                field="tags",
            )
    return names


def tags_by_name(names: list[str]) -> list[Tag]:
    if not names:
        return []
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    for name in names:
        if name not in existing:
            # A concurrent writer may create the same tag: a savepoint keeps our work safe.
            try:
                with savepoint():
                    tag = Tag(name=name)
                    db.session.add(tag)
                existing[name] = tag
            except IntegrityError:
                existing[name] = db.session.scalars(select(Tag).where(Tag.name == name)).one()
    return [existing[name] for name in names]


def mention_links(names: Iterable[str]) -> dict[str, str]:
    names = list(names)
    if not names:
        return {}
    found = db.session.execute(
        select(User.username_key, User.username).where(
            User.username_key.in_([n.lower() for n in names])
        )
    ).all()
    by_key = dict(found)
    return {
        name: path_for("accounts.profile", username=by_key[name.lower()])
        for name in names
        if name.lower() in by_key
    }


def mentioned_user_ids(source: str) -> list[int]:
    keys = [n.lower() for n in find_mentions(source)]
    if not keys:
        return []
    return list(db.session.scalars(select(User.id).where(User.username_key.in_(keys))))


def suggest_tags(
    reader: Any, prefix: str, *, leave_out: Iterable[str] = ()
) -> list[tuple[str, int]]:
    """Existing tags starting with ``prefix``, most used first, as (name, topics): counted
    only on topics ``reader`` may read, so a private category's tags never show outside."""
    prefix = prefix.strip().lower().lstrip("#")
    if not TAG_RE.match(prefix):  # a tag's start is a tag's shape
        return []
    uses = func.count(topic_tags.c.topic_id).label("uses")
    rows = db.session.execute(
        select(Tag.name, uses)
        .join(topic_tags, topic_tags.c.tag_id == Tag.id)
        .join(Topic, Topic.id == topic_tags.c.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .where(
            Tag.name.startswith(prefix, autoescape=True),
            Tag.name.not_in(sorted(set(leave_out))),
            visibility.topic_clause(reader),
        )
        .group_by(Tag.id, Tag.name)
        .order_by(uses.desc(), Tag.name)
        .limit(SUGGESTIONS)
    ).all()
    return [(name, count) for name, count in rows]
