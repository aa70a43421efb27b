"""The engagement score: every member's signals over a window, in one set-based query.

Each signal is aggregated per member in its own indexed sub-select; a UNION ALL of
those (member, signal, amount) rows is pivoted into one row per member, weighted,
capped and ranked by window functions. Nothing is loaded into Python: the job inserts
the result straight into ``engagement_scores``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    Float,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from app.accounts.models import User
from app.ambassadors.models import ExternalSignal
from app.badges.models import BadgeAward, VotingReport
from app.core.sql import days_between
from app.forum.models import Post, PostVote, Topic
from app.moderation.models import Flag

FORUM_SIGNALS = (
    "accepted_answers",
    "helpful_votes",
    "answers",
    "replies",
    "rescued_questions",
    "topics_started",
    "active_days",
    "badges_earned",
    "flags_upheld",
)
# External signal kind -> the score column it feeds.
EXTERNAL_SIGNALS = {
    "purchase": "purchases",
    "review": "reviews",
    "referral": "referrals",
    "event": "events",
    "social_follow": "social_follows",
}
SIGNALS = FORUM_SIGNALS + tuple(EXTERNAL_SIGNALS.values())
# Badges the job itself grants do not feed the score that grants them.
STATUS_BADGES = ("ambassador", "helper")


@dataclass(frozen=True)
class ScoreParams:
    """Everything the score depends on besides the data: kept with each run."""

    as_of: datetime
    window_days: int
    weights: dict[str, float]
    external_max_ratio: float
    established_days: int
    new_voter_weight: float
    min_posts: int

    @property
    def start(self) -> datetime:
        return self.as_of - timedelta(days=self.window_days)

    @classmethod
    def from_config(cls, as_of: datetime, window_days: int | None = None) -> ScoreParams:
        config = current_app.config
        weights = {name: float(config["AMBASSADOR_WEIGHTS"].get(name, 0.0)) for name in SIGNALS}
        return cls(
            as_of=as_of,
            window_days=int(window_days or config["AMBASSADOR_WINDOW_DAYS"]),
            weights=weights,
            external_max_ratio=float(config["AMBASSADOR_EXTERNAL_MAX_RATIO"]),
            established_days=int(config["AMBASSADOR_ESTABLISHED_DAYS"]),
            new_voter_weight=float(config["AMBASSADOR_NEW_VOTER_WEIGHT"]),
            min_posts=int(config["AMBASSADOR_MIN_POSTS"]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "window_days": self.window_days,
            "weights": self.weights,
            "external_max_ratio": self.external_max_ratio,
            "established_days": self.established_days,
            "new_voter_weight": self.new_voter_weight,
            "min_posts": self.min_posts,
        }


def _in_window(column: Any, p: ScoreParams) -> Any:
    return and_(column > p.start, column <= p.as_of)


def _live(post: Any, topic: Any) -> Any:
    return and_(post.deleted_at.is_(None), post.hidden_at.is_(None), topic.deleted_at.is_(None))


def _signal(name: str, user_id: Any, amount: Any) -> Select[Any]:
    return select(
        user_id.label("user_id"),
        literal(name).label("signal"),
        cast(amount, Float).label("amount"),
    )


def _answer_conditions(p: ScoreParams) -> list[Any]:
    return [
        Topic.kind == "question",
        Post.position > 0,
        Post.author_id != Topic.author_id,
        _live(Post, Topic),
        _in_window(Post.created_at, p),
    ]


def _sources(p: ScoreParams) -> list[Select[Any]]:
    """One aggregated sub-select per signal: (user_id, signal, amount)."""
    count = func.count()
    accepted = (
        _signal("accepted_answers", Post.author_id, count)
        .select_from(Topic)
        .join(Post, Post.id == Topic.accepted_post_id)
        .where(Post.author_id != Topic.author_id, _live(Post, Topic))
        .where(_in_window(Post.created_at, p))
        .group_by(Post.author_id)
    )

    voter = aliased(User)
    serial = exists().where(
        VotingReport.kind == "serial",
        VotingReport.voter_id == PostVote.user_id,
        VotingReport.author_id == Post.author_id,
        PostVote.created_at >= VotingReport.window_start,
        PostVote.created_at <= VotingReport.window_end,
    )
    vote_weight = case(
        (days_between(voter.created_at, PostVote.created_at) >= p.established_days, 1.0),
        else_=p.new_voter_weight,
    )
    votes = (
        _signal("helpful_votes", Post.author_id, func.sum(vote_weight))
        .select_from(PostVote)
        .join(Post, Post.id == PostVote.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .join(voter, voter.id == PostVote.user_id)
        .where(_in_window(PostVote.created_at, p), _live(Post, Topic))
        .where(PostVote.user_id != Post.author_id, ~serial)
        .group_by(Post.author_id)
    )

    answers = (
        _signal("answers", Post.author_id, count)
        .select_from(Post)
        .join(Topic, Topic.id == Post.topic_id)
        .where(*_answer_conditions(p))
        .group_by(Post.author_id)
    )
    replies = (
        _signal("replies", Post.author_id, count)
        .select_from(Post)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Topic.kind == "discussion", Post.position > 0, _live(Post, Topic))
        .where(_in_window(Post.created_at, p))
        .group_by(Post.author_id)
    )

    # The first answer to a question that had waited 24 hours or more.
    earlier = aliased(Post)
    earlier_answer = exists().where(
        earlier.topic_id == Post.topic_id,
        earlier.position > 0,
        earlier.position < Post.position,
        earlier.author_id != Topic.author_id,
        earlier.deleted_at.is_(None),
    )
    rescued = (
        _signal("rescued_questions", Post.author_id, count)
        .select_from(Post)
        .join(Topic, Topic.id == Post.topic_id)
        .where(*_answer_conditions(p))
        .where(days_between(Topic.created_at, Post.created_at) >= 1, ~earlier_answer)
        .group_by(Post.author_id)
    )

    topics = (
        _signal("topics_started", Topic.author_id, count)
        .where(Topic.deleted_at.is_(None), _in_window(Topic.created_at, p))
        .group_by(Topic.author_id)
    )

    days = union(
        select(Post.author_id.label("user_id"), func.date(Post.created_at).label("day")).where(
            _in_window(Post.created_at, p), Post.deleted_at.is_(None)
        ),
        select(PostVote.user_id.label("user_id"), func.date(PostVote.created_at)).where(
            _in_window(PostVote.created_at, p)
        ),
    ).subquery()
    active_days = _signal("active_days", days.c.user_id, count).group_by(days.c.user_id)

    badges = (
        _signal("badges_earned", BadgeAward.user_id, count)
        .where(_in_window(BadgeAward.awarded_at, p), BadgeAward.revoked_at.is_(None))
        .where(BadgeAward.badge.not_in(STATUS_BADGES))
        .group_by(BadgeAward.user_id)
    )
    flags = (
        _signal("flags_upheld", Flag.flagger_id, count)
        .where(Flag.status == "upheld", _in_window(Flag.resolved_at, p))
        .group_by(Flag.flagger_id)
    )
    return [
        accepted,
        votes,
        answers,
        replies,
        rescued,
        topics,
        active_days,
        badges,
        flags,
        *_external_sources(p),
    ]


def _external_sources(p: ScoreParams) -> list[Select[Any]]:
    stars = case(
        (ExternalSignal.value > 5, 5.0), (ExternalSignal.value < 0, 0.0), else_=ExternalSignal.value
    )
    amounts = {
        "purchase": func.count(),
        "review": func.sum(stars) / 5.0,
        "referral": func.count(),
        "event": func.count(),
        # One follow per network counts, however often it is reported.
        "social_follow": func.count(func.distinct(ExternalSignal.source)),
    }
    return [
        _signal(column, ExternalSignal.user_id, amounts[kind])
        .where(ExternalSignal.kind == kind, _in_window(ExternalSignal.occurred_at, p))
        .group_by(ExternalSignal.user_id)
        for kind, column in EXTERNAL_SIGNALS.items()
    ]


def scores_query(p: ScoreParams, user_ids: list[int] | None = None) -> Select[Any]:
    """One row per member with any signal: the signals, the scores, eligibility and rank.

    Columns: user_id, one per name in SIGNALS, forum_score, external_raw,
    external_score, score, eligible, rank. ``user_ids`` narrows it to some members
    (a profile page); their rank is then only meaningful among themselves.
    """
    sources = _sources(p)
    if user_ids is not None:
        # Filtered before aggregation, so one member's breakdown stays an indexed read.
        sources = [s.where(s.selected_columns.user_id.in_(user_ids)) for s in sources]
    rows = union_all(*sources).subquery()
    pivot = (
        select(
            rows.c.user_id,
            *[
                func.sum(case((rows.c.signal == name, rows.c.amount), else_=0.0)).label(name)
                for name in SIGNALS
            ],
        )
        .group_by(rows.c.user_id)
        .subquery()
    )
    w = p.weights
    forum = sum((literal(w[n]) * pivot.c[n] for n in FORUM_SIGNALS), start=literal(0.0))
    external = sum(
        (literal(w[n]) * pivot.c[n] for n in EXTERNAL_SIGNALS.values()), start=literal(0.0)
    )
    ceiling = forum * p.external_max_ratio
    capped = case((external < ceiling, external), else_=ceiling)
    posts = pivot.c.answers + pivot.c.replies + pivot.c.topics_started
    eligible = and_(
        User.role == "member",
        User.active.is_(True),
        or_(User.suspended_until.is_(None), User.suspended_until <= p.as_of),
        User.created_at <= p.as_of,
        posts >= p.min_posts,
        forum > 0,
    )
    scored = (
        select(
            pivot,
            forum.label("forum_score"),
            external.label("external_raw"),
            capped.label("external_score"),
            (forum + capped).label("score"),
            case((eligible, true()), else_=false()).label("eligible"),
        )
        .join(User, User.id == pivot.c.user_id)
        .subquery()
    )
    order = (scored.c.score.desc(), scored.c.accepted_answers.desc(), scored.c.user_id)
    position = func.row_number().over(partition_by=scored.c.eligible, order_by=order)
    return select(
        scored,
        case((scored.c.eligible == true(), position), else_=None).label("rank"),
    )
