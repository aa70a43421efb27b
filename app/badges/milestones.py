"""When a member crossed a badge's threshold: the date of the n-th qualifying event.

A rule's query says who qualifies; these helpers also say since when, so badges the
rebuild grants from an imported history carry the date of the event that earned them
(the 10th helpful vote, the first answer) rather than the day of the import. Each takes
a select of *events* with the columns user_id (who earns), ref_id (the post or topic a
per-post badge is about) and at (when it happened), and returns the rule's columns:
user_id, ref_id, figure (how many events in all) and earned_at (the n-th one's date).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime, Integer, Select, and_, cast, func, literal, null, select, union_all

from app.forum.models import AnonymousVote, Post, PostVote, Topic


def no_date() -> Any:
    """The earned_at of a rule whose moment the history does not hold (the sweep's date)."""
    return cast(null(), DateTime())


def _live() -> Any:
    return and_(Post.deleted_at.is_(None), Topic.deleted_at.is_(None))


def post_events(*where: Any) -> Select[Any]:
    """Each live post matching ``where`` (comments aside), for its author, at its date."""
    return (
        select(Post.author_id.label("user_id"), Post.id.label("ref_id"),
               Post.created_at.label("at"))
        .join(Topic, Topic.id == Post.topic_id)
        .where(_live(), Post.is_comment.is_(False), *where)
    )  # fmt: skip


def accepted_events(*where: Any) -> Select[Any]:
    """Each accepted answer (not the asker's own), for its author, at the answer's date
    (the history does not say when it was accepted)."""
    return (
        select(Post.author_id.label("user_id"), Post.id.label("ref_id"),
               Post.created_at.label("at"))
        .join(Topic, Topic.accepted_post_id == Post.id)
        .where(_live(), Post.author_id != Topic.author_id, *where)
    )  # fmt: skip


def vote_events(*where: Any, accepted: bool = False) -> Any:
    """Each helpful vote (named or anonymous) on a live post, for the post's author."""
    on_topic = Topic.accepted_post_id == Post.id if accepted else Topic.id == Post.topic_id
    selects = [
        select(Post.author_id.label("user_id"), Post.id.label("ref_id"),
               vote.created_at.label("at"))
        .select_from(vote)
        .join(Post, Post.id == vote.post_id)
        .join(Topic, on_topic)
        .where(_live(), *where)
        for vote in (PostVote, AnonymousVote)
    ]  # fmt: skip
    return union_all(*selects)


def nth(events: Any, n: int, *, per_ref: bool = False) -> Select[Any]:
    """The members (or, ``per_ref``, the posts or topics) with at least ``n`` events."""
    e = events.subquery()
    part = e.c.ref_id if per_ref else e.c.user_id
    numbered = select(
        e.c.user_id, e.c.ref_id, e.c.at,
        func.row_number().over(partition_by=part, order_by=e.c.at).label("n"),
        func.count().over(partition_by=part).label("total"),
    ).subquery()  # fmt: skip
    return select(
        numbered.c.user_id.label("user_id"),
        (numbered.c.ref_id if per_ref else cast(null(), Integer)).label("ref_id"),
        numbered.c.total.label("figure"),
        numbered.c.at.label("earned_at"),
    ).where(numbered.c.n == literal(n))


def first_of_members(per_ref: Select[Any]) -> Select[Any]:
    """A member's badge from per-post milestones: the earliest, the best figure."""
    rows = per_ref.subquery()
    return select(
        rows.c.user_id.label("user_id"),
        cast(null(), Integer).label("ref_id"),
        func.max(rows.c.figure).label("figure"),
        func.min(rows.c.earned_at).label("earned_at"),
    ).group_by(rows.c.user_id)
