"""The engagement score: every member's signals over a window, in one set-based query.

Each table is read once, one row per event (a post, a vote received, a vote cast, a
badge, an upheld flag, a signal) with what it adds to each signal; one GROUP BY over
their UNION ALL gives one row per member, which is weighted, capped and ranked by
window functions. Nothing is loaded into Python: the job inserts the result straight
into ``engagement_scores``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    and_,
    case,
    exists,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from app.accounts.models import User
from app.ambassadors.models import ExternalSignal
from app.badges.models import BadgeAward, VotingReport
from app.core.sql import days_between
from app.forum.models import AnonymousVote, Post, PostVote, Topic
from app.moderation.models import Flag

FORUM_SIGNALS = (
    "accepted_answers",
    "helpful_votes",
    "answers",
    "replies",
    "comments",
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
    "survey": "surveys",
    "co_creation": "co_creation",
    "redemption": "redemptions",
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
    anonymous_vote_weight: float = 0.5

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
            anonymous_vote_weight=float(config["AMBASSADOR_ANONYMOUS_VOTE_WEIGHT"]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "window_days": self.window_days,
            "weights": self.weights,
            "external_max_ratio": self.external_max_ratio,
            "established_days": self.established_days,
            "new_voter_weight": self.new_voter_weight,
            "min_posts": self.min_posts,
            "anonymous_vote_weight": self.anonymous_vote_weight,
        }


def _in_window(column: Any, p: ScoreParams) -> Any:
    return and_(column > p.start, column <= p.as_of)


def _live(post: Any, topic: Any) -> Any:
    return and_(post.deleted_at.is_(None), post.hidden_at.is_(None), topic.deleted_at.is_(None))


# Each event row says what it counts for in one integer of bits (a post can be an
# answer, the solution and a rescue at once) and carries one amount (a vote's weight, a
# review's stars): narrow rows keep the one big GROUP BY fast, above all on PostgreSQL,
# which sorts them. Active days and social follows are counted distinct.
COUNTED_BITS = {
    "accepted_answers": 0,
    "answers": 1,
    "replies": 2,
    "rescued_questions": 3,
    "topics_started": 4,
    "badges_earned": 6,
    "flags_upheld": 7,
    "purchases": 8,
    "referrals": 10,
    "events": 11,
    "surveys": 12,
    "co_creation": 13,
    "comments": 14,
    "redemptions": 15,
}
VOTE, REVIEW = 1 << 5, 1 << 9  # rows whose amount is a vote's weight, a review's stars
_NONE = literal_column("0")


def _row(user_id: Any, code: Any, amount: Any = None, day: Any = None,
         follow: Any = None) -> Select[Any]:  # fmt: skip
    """One row per event: the member it counts for, its bits, its amount, its day."""
    return select(
        user_id.label("user_id"),
        code.label("code"),
        (literal_column("0.0") if amount is None else amount).label("amount"),
        (null() if day is None else day).label("day"),
        (null() if follow is None else follow).label("follow_source"),
    )


def _bit(condition: Any, name: str) -> Any:
    return case((condition, 1 << COUNTED_BITS[name]), else_=0)


def _constant(name: str) -> Any:
    return literal_column(str(1 << COUNTED_BITS[name]))


def _rows(p: ScoreParams) -> list[tuple[Select[Any], Any]]:
    """(select, its member column): each table read once, as a hand-written query would.

    No select groups by itself: one GROUP BY over their UNION ALL does it all, which
    keeps both SQLite's and PostgreSQL's planners on a straight scan of each table.
    """
    # Comments (imported) are neither answers nor replies nor days of activity.
    comment = Post.is_comment.is_(True)
    answer = and_(
        Topic.kind == "question", Post.position > 0, Post.author_id != Topic.author_id, ~comment
    )
    # The first answer to a question that had waited 24 hours or more (checked only for
    # late answers: the subquery runs for few rows).
    earlier = aliased(Post)
    earlier_answer = exists().where(
        earlier.topic_id == Post.topic_id,
        earlier.position > 0,
        earlier.position < Post.position,
        earlier.author_id != Topic.author_id,
        earlier.deleted_at.is_(None),
        earlier.is_comment.is_(False),
    )
    late = days_between(Topic.created_at, Post.created_at) >= 1
    posts = (
        _row(
            Post.author_id,
            _bit(and_(Topic.accepted_post_id == Post.id, Post.author_id != Topic.author_id),
                 "accepted_answers")
            .op("|")(_bit(answer, "answers"))
            .op("|")(_bit(and_(Topic.kind == "discussion", Post.position > 0, ~comment),
                          "replies"))
            .op("|")(_bit(comment, "comments"))
            .op("|")(case((and_(answer, late), _bit(~earlier_answer, "rescued_questions")),
                          else_=0))
            .op("|")(_bit(Post.position == 0, "topics_started")),
            day=case((comment, None), else_=func.date(Post.created_at)),
        )
        .select_from(Post)
        .join(Topic, Topic.id == Post.topic_id)
        .where(_in_window(Post.created_at, p), _live(Post, Topic))
    )  # fmt: skip

    voter = aliased(User)
    serial = exists().where(
        VotingReport.voter_id == PostVote.user_id,
        VotingReport.author_id == Post.author_id,
        VotingReport.kind == "serial",
        PostVote.created_at >= VotingReport.window_start,
        PostVote.created_at <= VotingReport.window_end,
    )
    # Most voters were never reported: their votes skip the per-vote look-up (a set of
    # reported voters is built once; on PostgreSQL an anti join probed even an empty
    # voting_reports once per vote).
    reported = select(VotingReport.voter_id).where(VotingReport.kind == "serial")
    not_serial = or_(PostVote.user_id.not_in(reported), ~serial)
    vote_weight = case(
        (days_between(voter.created_at, PostVote.created_at) >= p.established_days, 1.0),
        else_=p.new_voter_weight,
    )
    # A vote's topic is only read for whether it was deleted: checked against the few
    # deleted topics' ids (built once) instead of a topic lookup per vote, which made
    # this, the largest select, a third slower on SQLite.
    deleted_topics = select(Topic.id).where(Topic.deleted_at.is_not(None))
    votes_received = (
        _row(Post.author_id, literal_column(str(VOTE)), amount=vote_weight)
        .select_from(PostVote)
        .join(Post, Post.id == PostVote.post_id)
        .join(voter, voter.id == PostVote.user_id)
        .where(_in_window(PostVote.created_at, p))
        .where(Post.deleted_at.is_(None), Post.hidden_at.is_(None))
        .where(Post.topic_id.not_in(deleted_topics))
        .where(PostVote.user_id != Post.author_id, not_serial)
    )
    # Imported votes without a voter (Stack Exchange): neither the voter's age nor serial
    # voting can be checked, so they weigh ANONYMOUS_VOTE_WEIGHT.
    anonymous_votes = (
        _row(Post.author_id, literal_column(str(VOTE)),
             amount=literal(p.anonymous_vote_weight))
        .select_from(AnonymousVote)
        .join(Post, Post.id == AnonymousVote.post_id)
        .where(_in_window(AnonymousVote.created_at, p))
        .where(Post.deleted_at.is_(None), Post.hidden_at.is_(None))
        .where(Post.topic_id.not_in(deleted_topics))
    )  # fmt: skip
    votes_cast = _row(PostVote.user_id, _NONE, day=func.date(PostVote.created_at)).where(
        _in_window(PostVote.created_at, p)
    )
    badges = _row(BadgeAward.user_id, _constant("badges_earned")).where(
        _in_window(BadgeAward.awarded_at, p),
        BadgeAward.revoked_at.is_(None),
        BadgeAward.badge.not_in(STATUS_BADGES),
    )
    flags = _row(Flag.flagger_id, _constant("flags_upheld")).where(
        Flag.status == "upheld", _in_window(Flag.resolved_at, p)
    )
    kind = ExternalSignal.kind
    stars = case(
        (ExternalSignal.value > 5, 5.0), (ExternalSignal.value < 0, 0.0), else_=ExternalSignal.value
    )
    code = case(
        (kind == "purchase", 1 << COUNTED_BITS["purchases"]),
        (kind == "review", REVIEW),
        (kind == "referral", 1 << COUNTED_BITS["referrals"]),
        (kind == "event", 1 << COUNTED_BITS["events"]),
        (kind == "survey", 1 << COUNTED_BITS["surveys"]),
        (kind == "co_creation", 1 << COUNTED_BITS["co_creation"]),
        (kind == "redemption", 1 << COUNTED_BITS["redemptions"]),
        else_=0,
    )
    external = _row(
        ExternalSignal.user_id,
        code,
        amount=case((kind == "review", stars / 5.0), else_=0.0),
        follow=case((kind == "social_follow", ExternalSignal.source), else_=None),
    ).where(_in_window(ExternalSignal.occurred_at, p))
    return [
        (posts, Post.author_id),
        (votes_received, Post.author_id),
        (anonymous_votes, Post.author_id),
        (votes_cast, PostVote.user_id),
        (badges, BadgeAward.user_id),
        (flags, Flag.flagger_id),
        (external, ExternalSignal.user_id),
    ]


def scores_query(p: ScoreParams, user_ids: list[int] | None = None) -> Select[Any]:
    """One row per member with any signal: the signals, the scores, eligibility and rank.

    Columns: user_id, one per name in SIGNALS, forum_score, external_raw,
    external_score, score, eligible, rank. ``user_ids`` narrows it to some members
    (a profile page); their rank is then only meaningful among themselves.
    """
    selects = [
        select_ if user_ids is None else select_.where(column.in_(user_ids))
        for select_, column in _rows(p)
    ]
    rows = union_all(*selects).subquery()
    counted = {
        name: func.sum(rows.c.code.op(">>")(bit).op("&")(1)).label(name)
        for name, bit in COUNTED_BITS.items()
    }
    pivot = (
        select(
            rows.c.user_id,
            *counted.values(),
            func.sum(case((rows.c.code == VOTE, rows.c.amount), else_=0.0)).label("helpful_votes"),
            func.sum(case((rows.c.code == REVIEW, rows.c.amount), else_=0.0)).label("reviews"),
            func.count(func.distinct(rows.c.day)).label("active_days"),
            func.count(func.distinct(rows.c.follow_source)).label("social_follows"),
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
