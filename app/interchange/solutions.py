"""Accepted answers imported a batch at a time, like votes (one UPDATE per batch).

A record names a topic and the answer that solved it; the batch's answers' topics and
those topics' current solutions are read in one query, each record is checked (the
answer must be in that topic), and the changed topics are updated together, their page
cache revision bumped. A solution already in place is "already in".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from app.core.sql import among_ids, dialect, ids_value
from app.extensions import db
from app.forum.models import Post, Topic
from app.interchange.bulk import Kind, Known, Plan, ref
from app.interchange.reader import RecordError


def lookups(source: str, records: list[dict[str, Any]], known: Known) -> dict[str, Any]:
    """For each of the batch's answers: its topic, and that topic's solution now."""
    posts = {v for v in known["post"].values() if isinstance(v, int)}
    name = dialect()
    found = db.session.connection().execute(
        select(Post.id, Post.topic_id, Topic.accepted_post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(among_ids(Post.id, "posts", name)),
        {"posts": ids_value(posts, name)},
    )
    topic_of, solution = {}, {}
    for post_id, topic_id, accepted in found:
        topic_of[post_id], solution[topic_id] = topic_id, accepted
    return {"topic_of": topic_of, "solution": solution}


def prepare(source: str, where: str, record: dict[str, Any], known: Known,
            found: dict[str, Any]) -> Plan:  # fmt: skip
    topic_id = ref(record, "topic", known)
    post_id = ref(record, "post", known)
    if found["topic_of"].get(post_id) != topic_id:
        raise RecordError("post: that answer is not in this topic")
    plan = Plan(where, str(topic_id), {"b_topic": topic_id, "b_post": post_id})
    if found["solution"].get(topic_id) == post_id:
        plan.existing_id = topic_id  # already the solution: nothing to write
    return plan


def write(source: str, plans: list[Plan]) -> int:
    rows = [plan.values for plan in plans if plan.existing_id is None]
    if rows:
        table = Topic.__table__
        db.session.execute(
            table.update()
            .where(table.c.id == bindparam("b_topic"))
            .values(accepted_post_id=bindparam("b_post"), revision=table.c.revision + 1)
            .execution_options(synchronize_session=False),
            rows,
        )
    return len(rows)


KIND = Kind(prepare, write, lookups)
