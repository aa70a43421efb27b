"""Points, badges and leaderboards from forum history written in bulk (demo, import).

Each topic, reply, vote and accepted answer is recorded in the ledger in time order
(so the daily vote cap applies day by day) under the same event keys live events use:
replaying twice, or after live activity, adds nothing twice. Then the badge sweep and
the leaderboards run. Rows are streamed from the database, but the awards are sorted
by time in memory: right for a demo community; a full import (issue 6) needs one
time-ordered stream instead.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.badges import awards, leaderboard, points
from app.badges.points import Award
from app.core.clock import now_utc
from app.core.sql import days_between
from app.extensions import db
from app.forum.models import Post, PostVote, Topic

BATCH = 1000


def _stream(query: Any) -> Any:
    return db.session.execute(query.execution_options(yield_per=BATCH))


def _vote_action(kind: str, position: int) -> str:
    if kind == "question":
        return "question_voted" if position == 0 else "answer_voted"
    return "post_voted"


def _welcomes() -> list[Award]:
    """The first answer to a newcomer's first question, as the live listener rewards it."""
    asker, earlier, answer = aliased(User), aliased(Topic), aliased(Post)
    first_topic = (
        select(func.min(earlier.id)).where(earlier.author_id == asker.id).scalar_subquery()
    )
    first_answer = (
        select(func.min(answer.id))
        .where(answer.topic_id == Topic.id, answer.position > 0,
               answer.author_id != Topic.author_id, answer.deleted_at.is_(None))
        .scalar_subquery()
    )  # fmt: skip
    newcomer_days = current_app.config["NEWCOMER_DAYS"]
    return [
        Award(answerer_id, "welcomed_newcomer", f"welcome:{topic_id}", at, post_id=post_id,
              topic_id=topic_id, category_id=category_id, actor_id=asker_id)
        for topic_id, category_id, asker_id, post_id, answerer_id, at in _stream(
            select(Topic.id, Topic.category_id, Topic.author_id, Post.id, Post.author_id,
                   Post.created_at)
            .join(asker, asker.id == Topic.author_id)
            .join(Post, Post.id == first_answer)
            .where(Topic.deleted_at.is_(None), Topic.kind == "question", Topic.id == first_topic)
            .where(days_between(asker.created_at, Topic.created_at) <= newcomer_days)
        )
    ]  # fmt: skip


def replay_forum_history() -> dict[str, int]:
    """Record the forum's history in the ledger, sweep badges, refresh leaderboards."""
    figures = {"entries": 0}
    awards_to_record: list[Award] = []
    live_topic = Topic.deleted_at.is_(None)
    for topic_id, author_id, category_id, at, post_id in _stream(
        select(Topic.id, Topic.author_id, Topic.category_id, Topic.created_at, Post.id)
        .join(Post, and_(Post.topic_id == Topic.id, Post.position == 0))
        .where(live_topic)
    ):
        awards_to_record.append(
            Award(author_id, "topic_started", f"topic:{topic_id}", at, post_id=post_id,
                  topic_id=topic_id, category_id=category_id)
        )  # fmt: skip
    for post_id, topic_id, author_id, category_id, at in _stream(
        select(Post.id, Post.topic_id, Post.author_id, Topic.category_id, Post.created_at)
        .join(Topic, Topic.id == Post.topic_id)
        .where(live_topic, Post.position > 0, Post.deleted_at.is_(None))
    ):
        awards_to_record.append(
            Award(author_id, "reply_posted", f"post:{post_id}", at, post_id=post_id,
                  topic_id=topic_id, category_id=category_id)
        )  # fmt: skip
    for post_id, voter_id, at, author_id, position, topic_id, kind, category_id in _stream(
        select(
            PostVote.post_id, PostVote.user_id, PostVote.created_at, Post.author_id,
            Post.position, Topic.id, Topic.kind, Topic.category_id,
        )
        .join(Post, Post.id == PostVote.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(live_topic, Post.deleted_at.is_(None), Post.author_id != PostVote.user_id)
    ):  # fmt: skip
        stamp = at.strftime("%Y%m%dT%H%M%S.%f")
        awards_to_record.append(
            Award(author_id, _vote_action(kind, position), f"vote:{post_id}:{voter_id}:{stamp}",
                  at, post_id=post_id, topic_id=topic_id, category_id=category_id,
                  actor_id=voter_id, capped=True)
        )  # fmt: skip
    for topic_id, asker_id, category_id, post_id, answerer_id, at in _stream(
        select(Topic.id, Topic.author_id, Topic.category_id, Post.id, Post.author_id,
               Post.created_at)
        .join(Post, Post.id == Topic.accepted_post_id)
        .where(live_topic, Post.author_id != Topic.author_id)
    ):  # fmt: skip
        common = {"post_id": post_id, "topic_id": topic_id, "category_id": category_id}
        key = f"accept:{topic_id}:{post_id}:history"
        awards_to_record.append(
            Award(answerer_id, "answer_accepted", key, at, actor_id=asker_id, **common)
        )
        awards_to_record.append(
            Award(asker_id, "accepted_an_answer", key + ":accepter", at, actor_id=asker_id,
                  **common)
        )  # fmt: skip
    awards_to_record.extend(_welcomes())
    awards_to_record.sort(key=lambda award: award.at)
    for award in awards_to_record:
        if points.record(award) is not None:
            figures["entries"] += 1
    db.session.commit()
    figures.update(awards.sweep(now_utc()))
    db.session.commit()
    figures["leaderboard_rows"] = sum(leaderboard.refresh().values())
    return figures
