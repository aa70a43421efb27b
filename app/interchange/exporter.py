"""Writing the whole community as an interchange folder (no password hashes).

Every table is streamed from the database a batch at a time, so memory stays flat.
An export imported into an empty Tribune gives the same topics, posts, votes,
solutions, points, badges and ambassadors (tests/interchange/test_round_trip.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.ambassadors.models import ExternalSignal
from app.badges.catalogue import BY_SLUG
from app.badges.models import BadgeAward
from app.extensions import db
from app.forum.models import AnonymousVote, Category, Post, PostVote, Tag, Topic, topic_tags
from app.interchange import reader

BATCH = 2000


def _when(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _stream(query: Any) -> Iterator[Any]:
    yield from db.session.execute(query.execution_options(yield_per=BATCH))


def _post_ref(post_id: int, position: int, topic_id: int) -> str:
    """How the format names a post: its id, or "topic:<id>" for an opening post."""
    return f"topic:t{topic_id}" if position == 0 else f"p{post_id}"


def _members() -> Iterator[dict[str, Any]]:
    for user in db.session.scalars(select(User).order_by(User.id).execution_options(
            yield_per=BATCH)):  # fmt: skip
        yield {
            "id": f"u{user.id}", "username": user.username, "email": user.email,
            "role": user.role, "bio": user.bio, "locale": user.locale,
            "customer_id": user.external_customer_id, "created_at": _when(user.created_at),
        }  # fmt: skip


def _categories() -> Iterator[dict[str, Any]]:
    for c in db.session.scalars(select(Category).order_by(Category.position, Category.id)):
        yield {"id": f"c{c.id}", "name": c.name, "slug": c.slug, "description": c.description,
               "position": c.position}  # fmt: skip


def _topics() -> Iterator[dict[str, Any]]:
    tag_names = {}
    for topic_id, name in _stream(
        select(topic_tags.c.topic_id, Tag.name).join(Tag, Tag.id == topic_tags.c.tag_id)
    ):
        tag_names.setdefault(topic_id, []).append(name)
    for topic, body, body_format in _stream(
        select(Topic, Post.body_source, Post.body_format)
        .join(Post, and_(Post.topic_id == Topic.id, Post.position == 0))
        .order_by(Topic.id)
    ):
        record = {
            "id": f"t{topic.id}", "category": f"c{topic.category_id}",
            "author": f"u{topic.author_id}", "kind": topic.kind, "title": topic.title,
            "body": body, "format": body_format, "tags": sorted(tag_names.get(topic.id, [])),
            "pinned": topic.pinned, "locked": topic.locked, "created_at": _when(topic.created_at),
        }  # fmt: skip
        if topic.deleted_at:
            record["deleted_at"] = _when(topic.deleted_at)
        yield record


def _posts() -> Iterator[dict[str, Any]]:
    parent = aliased(Post)
    for post, reply_position, reply_topic in _stream(
        select(Post, parent.position, parent.topic_id)
        .outerjoin(parent, parent.id == Post.reply_to_post_id)
        .where(Post.position > 0)
        .order_by(Post.topic_id, Post.position)
    ):
        record = {
            "id": f"p{post.id}", "topic": f"t{post.topic_id}", "author": f"u{post.author_id}",
            "body": post.body_source, "format": post.body_format,
            "created_at": _when(post.created_at),
        }  # fmt: skip
        if post.reply_to_post_id and reply_position:
            record["reply_to"] = _post_ref(post.reply_to_post_id, reply_position, reply_topic)
        if post.deleted_at:
            record["deleted_at"] = _when(post.deleted_at)
        if post.is_comment:
            record["comment"] = True
        yield record


def _votes() -> Iterator[dict[str, Any]]:
    for post_id, position, topic_id, voter_id, at in _stream(
        select(PostVote.post_id, Post.position, Post.topic_id, PostVote.user_id,
               PostVote.created_at)
        .join(Post, Post.id == PostVote.post_id)
        .order_by(PostVote.created_at, PostVote.post_id, PostVote.user_id)
    ):  # fmt: skip
        yield {"post": _post_ref(post_id, position, topic_id), "voter": f"u{voter_id}",
               "created_at": _when(at)}  # fmt: skip
    for source, key, post_id, position, topic_id, at in _stream(
        select(AnonymousVote.source, AnonymousVote.source_key, Post.id, Post.position,
               Post.topic_id, AnonymousVote.created_at)
        .join(Post, Post.id == AnonymousVote.post_id)
        .order_by(AnonymousVote.id)
    ):  # fmt: skip
        # No voter: the record's id keeps it unique (the source and its key there).
        yield {"id": f"{source}:{key}", "post": _post_ref(post_id, position, topic_id),
               "created_at": _when(at)}  # fmt: skip


def _accepted() -> Iterator[dict[str, Any]]:
    for topic_id, post_id in _stream(
        select(Topic.id, Topic.accepted_post_id)
        .where(Topic.accepted_post_id.is_not(None))
        .order_by(Topic.id)
    ):
        yield {"topic": f"t{topic_id}", "post": f"p{post_id}"}


def _badges() -> Iterator[dict[str, Any]]:
    # Badges earned per post or category are recomputed from the history on import.
    slugs = [slug for slug, rule in BY_SLUG.items() if not rule.repeatable]
    for user_id, badge, at in _stream(
        select(BadgeAward.user_id, BadgeAward.badge, BadgeAward.awarded_at)
        .where(BadgeAward.revoked_at.is_(None), BadgeAward.badge.in_(slugs))
        .order_by(BadgeAward.id)
    ):
        yield {"member": f"u{user_id}", "badge": badge, "awarded_at": _when(at)}


def _signals() -> Iterator[dict[str, Any]]:
    for s in db.session.scalars(
        select(ExternalSignal).order_by(ExternalSignal.id).execution_options(yield_per=BATCH)
    ):
        yield {"id": s.dedupe_key, "member": f"u{s.user_id}", "kind": s.kind, "value": s.value,
               "occurred_at": _when(s.occurred_at), "source": s.source}  # fmt: skip


_WRITERS = {
    "members": _members, "categories": _categories, "topics": _topics, "posts": _posts,
    "votes": _votes, "accepted": _accepted, "badges": _badges, "signals": _signals,
}  # fmt: skip


def _write(stream: IO[str], rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count


def export(folder: Path, source: str = "tribune") -> dict[str, int]:
    """Write every file of the format into ``folder``; returns the records per file."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"format": reader.FORMAT, "version": reader.VERSION, "source": source}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    counts = {}
    for name in reader.FILES:
        with (folder / f"{name}.jsonl").open("w", encoding="utf-8") as stream:
            counts[name] = _write(stream, _WRITERS[name]())
    return counts
