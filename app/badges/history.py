"""Points, badges and leaderboards from forum history written in bulk (import, demo).

`rebuild_from_history` records in the ledger, in one INSERT ... SELECT, every topic,
reply, helpful vote (named or anonymous), accepted answer and newcomer welcome that the
forum's rows hold and the ledger does not, each at its original date and under the
event key the live listeners use, so a rebuild after live activity, or twice, adds
nothing twice. The daily vote cap is applied per historical day by a running sum over
each member's day, counting what the ledger already kept that day first. Then the
cached totals are set from the ledger, badges are swept and leaderboards refreshed.

Existing entries are never rewritten (the ledger is append-only): a rebuild fills in
what is missing; it does not re-price old entries after a point rule changed.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import String, and_, case, cast, false, func, literal, select, true, union_all
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.badges import awards, leaderboard, points
from app.badges.models import BadgeAward, HistoryRebuild, LedgerEntry
from app.core.clock import now_utc
from app.core.permissions import SYSTEM_ROLE
from app.core.sql import days_between, refresh_statistics, stamp
from app.extensions import db
from app.forum.models import AnonymousVote, Post, PostVote, Topic

_COLUMNS = (
    "user_id", "action", "points", "post_id", "topic_id", "category_id", "actor_id",
    "created_at", "event_key", "capped",
)  # fmt: skip
_VOTE_ACTIONS = ("question_voted", "answer_voted", "post_voted")


def event_key(*parts: Any) -> Any:
    """An event key built in SQL: text parts as they are, columns as text, joined by ':'."""
    pieces = [literal(p) if isinstance(p, str) else cast(p, String) for p in parts]
    joined = pieces[0]
    for piece in pieces[1:]:
        joined = joined + literal(":") + piece
    return joined


def _vote_action() -> Any:
    """What a vote on this post is, as the live listener names it (needs Post and Topic)."""
    return case(
        (and_(Topic.kind == "question", Post.position == 0), "question_voted"),
        (Topic.kind == "question", "answer_voted"),
        else_="post_voted",
    )


def _row(user_id: Any, action: Any, rules: dict[str, int], key: Any, at: Any, *,
         actor_id: Any = None, capped: bool = False) -> Any:  # fmt: skip
    """A select giving candidate ledger rows in the order of _COLUMNS."""
    if isinstance(action, str):
        price: Any = literal(rules[action])
        action = literal(action)
    else:
        price = case(*((action == name, rules[name]) for name in _VOTE_ACTIONS), else_=0)
    return select(
        user_id, action, price, Post.id, Topic.id, Topic.category_id,
        actor_id if actor_id is not None else literal(None, type_=db.Integer),
        at, key, true() if capped else false(),
    )  # fmt: skip


def _candidates(rules: dict[str, int]) -> Any:
    """Every ledger entry the forum's live history implies, as one UNION ALL."""
    live_topic = Topic.deleted_at.is_(None)
    live_post = and_(live_topic, Post.deleted_at.is_(None))
    topics = (
        _row(
            Topic.author_id, "topic_started", rules, event_key("topic", Topic.id), Topic.created_at
        )
        .select_from(Topic)
        .join(Post, and_(Post.topic_id == Topic.id, Post.position == 0))
        .where(live_topic)
    )
    replies = (
        _row(Post.author_id, "reply_posted", rules, event_key("post", Post.id), Post.created_at)
        .select_from(Post)
        .join(Topic, Topic.id == Post.topic_id)
        .where(live_post, Post.position > 0)
    )
    vote_key = event_key("vote", PostVote.post_id, PostVote.user_id, stamp(PostVote.created_at))
    named_votes = (
        _row(Post.author_id, _vote_action(), rules, vote_key, PostVote.created_at,
             actor_id=PostVote.user_id, capped=True)
        .select_from(PostVote)
        .join(Post, Post.id == PostVote.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(live_post, Post.author_id != PostVote.user_id)
    )  # fmt: skip
    anonymous_votes = (
        _row(Post.author_id, _vote_action(), rules, event_key("anonvote", AnonymousVote.id),
             AnonymousVote.created_at, capped=True)
        .select_from(AnonymousVote)
        .join(Post, Post.id == AnonymousVote.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(live_post)
    )  # fmt: skip
    # The ledger does not know when an imported answer was accepted: the answer's date
    # stands for it. An acceptance the live listener already recorded is left alone.
    answer_key = event_key("accept", Topic.id, Post.id, "history")
    live_acceptance = (
        select(LedgerEntry.id)
        .where(LedgerEntry.post_id == Post.id, LedgerEntry.action == "answer_accepted",
               LedgerEntry.reverses_id.is_(None))
        .exists()
    )  # fmt: skip
    accepted = [
        _row(user, action, rules, key, Post.created_at, actor_id=Topic.author_id)
        .select_from(Topic)
        .join(Post, Post.id == Topic.accepted_post_id)
        .where(live_post, Post.author_id != Topic.author_id, ~live_acceptance)
        for user, action, key in (
            (Post.author_id, "answer_accepted", answer_key),
            (Topic.author_id, "accepted_an_answer", answer_key + literal(":accepter")),
        )
    ]
    return union_all(topics, replies, named_votes, anonymous_votes, *accepted, _welcomes(rules))


def _welcomes(rules: dict[str, int]) -> Any:
    """The first answer to a newcomer's first question, as the live listener rewards it."""
    asker, earlier, answer = aliased(User), aliased(Topic), aliased(Post)
    # Every member's first topic in one grouped pass: as a correlated min() per member,
    # PostgreSQL walked the topics' primary key for each one (60 s at 10,000 members).
    first_topics = select(func.min(earlier.id).label("id")).group_by(earlier.author_id).subquery()
    first_answer = (
        select(func.min(answer.id))
        .where(answer.topic_id == Topic.id, answer.position > 0, answer.is_comment.is_(False),
               answer.author_id != Topic.author_id, answer.deleted_at.is_(None))
        .scalar_subquery()
    )  # fmt: skip
    newcomer_days = current_app.config["NEWCOMER_DAYS"]
    return (
        _row(Post.author_id, "welcomed_newcomer", rules, event_key("welcome", Topic.id),
             Post.created_at, actor_id=Topic.author_id)
        .select_from(Topic)
        .join(first_topics, first_topics.c.id == Topic.id)
        .join(asker, asker.id == Topic.author_id)
        .join(Post, Post.id == first_answer)
        .where(Topic.deleted_at.is_(None), Topic.kind == "question")
        .where(days_between(asker.created_at, Topic.created_at) <= newcomer_days)
    )  # fmt: skip


def _missing_entries() -> Any:
    """The candidates not yet in the ledger, with vote points capped per member and day."""
    rules = points.all_rules()
    cap = int(current_app.config["POINTS_DAILY_VOTE_CAP"])
    candidates = _candidates(rules).subquery("candidates")
    c = candidates.c
    # The subquery's columns are named after the first select's: name them ourselves.
    row = {name: list(c)[i] for i, name in enumerate(_COLUMNS)}
    recorded = select(LedgerEntry.id).where(LedgerEntry.event_key == row["event_key"]).exists()
    # System accounts (an import's "Community") keep their posts and earn nothing.
    system = select(User.id).where(User.role == SYSTEM_ROLE)
    fresh = select(*(row[name].label(name) for name in _COLUMNS)).where(
        ~recorded, row["user_id"].not_in(system)
    )
    fresh = fresh.add_columns(func.date(row["created_at"]).label("day")).subquery("fresh")
    f = fresh.c
    # What the ledger already kept that day counts first (a rebuild after live activity).
    kept = (
        select(LedgerEntry.user_id, func.date(LedgerEntry.created_at).label("day"),
               func.sum(LedgerEntry.points).label("points"))
        .where(LedgerEntry.capped.is_(True), LedgerEntry.reverses_id.is_(None))
        .group_by(LedgerEntry.user_id, func.date(LedgerEntry.created_at))
        .subquery("kept")
    )  # fmt: skip
    earlier_today = func.sum(f.points).over(
        partition_by=(f.user_id, f.day, f.capped),
        order_by=(f.created_at, f.event_key),
        rows=(None, -1),
    )
    room = literal(cap) - func.coalesce(kept.c.points, 0) - func.coalesce(earlier_today, 0)
    capped_points = case(
        (f.points <= 0, f.points),
        (room <= 0, 0),
        (room < f.points, room),
        else_=f.points,
    )
    value = case((f.capped, capped_points), else_=f.points)
    columns = [f[name] if name != "points" else value for name in _COLUMNS]
    return (
        select(*columns)
        .select_from(fresh)
        .outerjoin(kept, and_(f.capped, kept.c.user_id == f.user_id, kept.c.day == f.day))
        .order_by(f.created_at)
    )


def fingerprint() -> dict[str, int]:
    """Counts and highest ids of what a rebuild reads and writes, in one statement of
    index look-ups and counts: the same fingerprint, nothing for a rebuild to add."""
    tables = {
        "topics": Topic.id, "posts": Post.id, "anonymous_votes": AnonymousVote.id,
        "ledger": LedgerEntry.id, "badges": BadgeAward.id, "users": User.id,
    }  # fmt: skip
    columns = []
    for name, column in tables.items():
        columns.append(select(func.count(column)).scalar_subquery().label(f"{name}_count"))
        columns.append(select(func.max(column)).scalar_subquery().label(f"{name}_max"))
    columns.append(select(func.count()).select_from(PostVote).scalar_subquery().label("votes"))
    solved = select(func.coalesce(func.sum(Topic.accepted_post_id), 0))
    columns.append(solved.scalar_subquery().label("solutions"))
    deleted = select(func.count(Post.id)).where(Post.deleted_at.is_not(None))
    columns.append(deleted.scalar_subquery().label("deleted_posts"))
    row = db.session.execute(select(*columns)).one()
    return {name: int(value or 0) for name, value in row._mapping.items()}


def rebuild_from_history(force: bool = False) -> dict[str, int]:
    """Fill the ledger in from the forum's history, then badges, totals and leaderboards.

    One transaction, committed by the caller; running it again adds nothing, and when
    the history has not changed since the last rebuild (its fingerprint), it notices
    at once and does nothing (``force``: look anyway); ``unchanged`` says which.
    """
    now = fingerprint()
    last = db.session.scalar(select(HistoryRebuild).order_by(HistoryRebuild.id.desc()))
    if not force and last is not None and last.fingerprint == now:
        return {"entries": 0, "granted": 0, "revoked": 0, "leaderboard_rows": 0, "unchanged": 1}
    refresh_statistics(User, Topic, Post, PostVote, AnonymousVote, LedgerEntry, BadgeAward)
    insert = (
        LedgerEntry.__table__.insert()
        .from_select(list(_COLUMNS), _missing_entries())
        .execution_options(preserve_rowcount=True)
    )
    figures = {"entries": db.session.execute(insert).rowcount}
    refresh_statistics(LedgerEntry)
    points.fix_totals()
    # Nothing a rebuild grants is notified (the history is old news to its members), and
    # each badge is dated when the history earned it.
    figures.update(awards.sweep(now_utc(), history=True))
    figures["leaderboard_rows"] = sum(leaderboard.refresh().values())
    db.session.add(HistoryRebuild(entries=figures["entries"], fingerprint=fingerprint()))
    figures["unchanged"] = 0
    return figures
