"""Every badge, as one rule in one registry. Adding a badge means adding one rule here.

A rule with a ``query`` is data-driven: the query selects the members who qualify
(columns user_id, ref_id, figure). The same query serves both ways of granting: instantly
for the members an event touched (``hooks``), and in the daily sweep for everyone, which
also backfills anything an instant check missed. Rules without a query are granted by
code (a package's event, a moderator, the ambassador job).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, and_, cast, func, null, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.badges import milestones
from app.badges.models import LedgerEntry, MemberVisit
from app.core.sql import day_number, days_between
from app.forum.models import Post, PostRevision, PostVote, Topic

TIERS = ("bronze", "silver", "gold")
# Scope of a repeatable badge: one award per post, per topic or per category.
SCOPES = ("member", "post", "topic", "category")


@dataclass(frozen=True)
class BadgeRule:
    slug: str
    name: Any
    description: Any
    tier: str
    scope: str = "member"
    hooks: frozenset[str] = frozenset()
    # Takes the moment the rule is evaluated at (a sweep's as-of date), returns the query.
    query: Callable[[datetime], Select[Any]] | None = None
    # Revocable badges are taken back by the sweep when the member no longer qualifies.
    revocable: bool = False
    group: str = "participation"

    @property
    def repeatable(self) -> bool:
        return self.scope != "member"

    @property
    def swept(self) -> bool:
        return self.query is not None


def _live_posts() -> Any:
    return and_(Post.deleted_at.is_(None), Topic.deleted_at.is_(None))


def _q(user: Any, ref: Any = None, figure: Any = None, earned: Any = None) -> Select[Any]:
    return select(
        user.label("user_id"),
        (ref if ref is not None else cast(null(), Integer)).label("ref_id"),
        (figure if figure is not None else cast(null(), Integer)).label("figure"),
        (earned if earned is not None else milestones.no_date()).label("earned_at"),
    )


def posts_count(min_count: int, *where: Any) -> Callable[[datetime], Select[Any]]:
    """Members with at least ``min_count`` live posts matching ``where``."""

    def query(at: datetime) -> Select[Any]:
        return milestones.nth(milestones.post_events(*where), min_count)

    return query


def accepted_answers(min_count: int) -> Callable[[datetime], Select[Any]]:
    def query(at: datetime) -> Select[Any]:
        return milestones.nth(milestones.accepted_events(), min_count)

    return query


def votes_received(min_count: int) -> Callable[[datetime], Select[Any]]:
    def query(at: datetime) -> Select[Any]:
        return milestones.nth(milestones.vote_events(), min_count)

    return query


def voted_posts(min_votes: int, answers: bool) -> Callable[[datetime], Select[Any]]:
    """One award per answer (or question) with at least ``min_votes`` helpful votes."""

    def query(at: datetime) -> Select[Any]:
        position = Post.position > 0 if answers else Post.position == 0
        votes = milestones.vote_events(Topic.kind == "question", position)
        return milestones.nth(votes, min_votes, per_ref=True)

    return query


def popular_questions(at: datetime) -> Select[Any]:
    replies = (
        select(Topic.author_id.label("user_id"), Topic.id.label("ref_id"),
               Post.created_at.label("at"))
        .join(Topic, Topic.id == Post.topic_id)
        .where(_live_posts(), Topic.kind == "question", Post.position > 0,
               Post.is_comment.is_(False))
    )  # fmt: skip
    return milestones.nth(replies, 5, per_ref=True)


def _votes_cast() -> Select[Any]:
    return select(PostVote.user_id.label("user_id"), PostVote.post_id.label("ref_id"),
                  PostVote.created_at.label("at"))  # fmt: skip


def first_vote_cast(at: datetime) -> Select[Any]:
    return milestones.nth(_votes_cast(), 1)


def votes_cast(min_count: int) -> Callable[[datetime], Select[Any]]:
    def query(at: datetime) -> Select[Any]:
        return milestones.nth(_votes_cast(), min_count)

    return query


def filled_bio(at: datetime) -> Select[Any]:
    return _q(User.id).where(func.length(func.trim(User.bio)) >= 20)


def scholar(at: datetime) -> Select[Any]:
    return (
        _q(Topic.author_id, figure=func.count(Topic.id), earned=func.min(Post.created_at))
        .join(Post, Post.id == Topic.accepted_post_id)
        .where(Topic.deleted_at.is_(None), Post.author_id != Topic.author_id)
        .group_by(Topic.author_id)
    )


def edited_a_post(at: datetime) -> Select[Any]:
    return _q(
        PostRevision.editor_id,
        figure=func.count(PostRevision.id),
        earned=func.min(PostRevision.created_at),
    ).group_by(PostRevision.editor_id)


def welcomed(at: datetime) -> Select[Any]:
    reversal = aliased(LedgerEntry)
    return (
        _q(
            LedgerEntry.user_id,
            figure=func.count(LedgerEntry.id),
            earned=func.min(LedgerEntry.created_at),
        )
        .where(
            LedgerEntry.action == "welcomed_newcomer",
            LedgerEntry.reverses_id.is_(None),
            ~select(reversal.id).where(reversal.reverses_id == LedgerEntry.id).exists(),
        )
        .group_by(LedgerEntry.user_id)
    )


def enlightened(at: datetime) -> Select[Any]:
    votes = milestones.vote_events(Post.author_id != Topic.author_id, accepted=True)
    return milestones.first_of_members(milestones.nth(votes, 10, per_ref=True))


def necromancer(at: datetime) -> Select[Any]:
    late = days_between(Topic.created_at, Post.created_at) >= 60
    return milestones.nth(milestones.vote_events(Post.position > 0, late), 5, per_ref=True)


def self_learner(at: datetime) -> Select[Any]:
    own_answers = (Topic.kind == "question", Post.position > 0, Post.author_id == Topic.author_id)
    return milestones.nth(milestones.vote_events(*own_answers), 3, per_ref=True)


def anniversary(at: datetime) -> Select[Any]:
    year_ago = at - timedelta(days=365)
    has_posted = select(Post.id).where(Post.author_id == User.id).exists()
    return _q(User.id).where(User.created_at <= year_ago, has_posted)


def visit_streak(days: int) -> Callable[[datetime], Select[Any]]:
    """Members whose longest run of consecutive visiting days reaches ``days``."""

    def query(at: datetime) -> Select[Any]:
        run = (
            day_number(MemberVisit.day)
            - func.row_number().over(partition_by=MemberVisit.user_id, order_by=MemberVisit.day)
        ).label("run")
        numbered = select(MemberVisit.user_id, run).subquery()
        runs = (
            select(numbered.c.user_id, func.count().label("length"))
            .group_by(numbered.c.user_id, numbered.c.run)
            .subquery()
        )
        longest = func.max(runs.c.length)
        return _q(runs.c.user_id, figure=longest).group_by(runs.c.user_id).having(longest >= days)

    return query


def category_expertise(tier: str) -> Callable[[datetime], Select[Any]]:
    """Score (helpful votes on one's answers) and answers in one category, for a tier."""

    def query(at: datetime) -> Select[Any]:
        min_score, min_answers = current_app.config["CATEGORY_EXPERTISE"][tier]
        score = func.sum(Post.vote_count)
        return (
            _q(Post.author_id, Topic.category_id, score)
            .join(Topic, Topic.id == Post.topic_id)
            .where(_live_posts(), Post.position > 0, Post.is_comment.is_(False))
            .group_by(Post.author_id, Topic.category_id)
            .having(and_(score >= min_score, func.count(Post.id) >= min_answers))
        )

    return query


def _rule(slug: str, name: Any, description: Any, tier: str, **kw: Any) -> BadgeRule:
    return BadgeRule(slug=slug, name=name, description=description, tier=tier, **kw)


POST, VOTE, ACCEPT, EDIT = "post", "vote", "accept", "edit"
QUESTION = Topic.kind == "question"
ANSWER = and_(QUESTION, Post.position > 0)

RULES: list[BadgeRule] = [
    # Taking part
    _rule("first-post", _l("First post"), _l("Wrote a first topic or answer."), "bronze",
          hooks=frozenset({POST}), query=posts_count(1)),
    _rule("curious", _l("Curious"), _l("Asked a first question."), "bronze",
          hooks=frozenset({POST}), query=posts_count(1, QUESTION, Post.position == 0)),
    _rule("helping-hand", _l("Helping hand"), _l("Answered a first question."), "bronze",
          hooks=frozenset({POST}), query=posts_count(1, ANSWER)),
    _rule("conversationalist", _l("Conversationalist"), _l("Wrote 10 replies in discussions."),
          "bronze", hooks=frozenset({POST}),
          query=posts_count(10, Topic.kind == "discussion", Post.position > 0)),
    _rule("prolific", _l("Prolific"), _l("Answered 100 questions."), "silver",
          hooks=frozenset({POST}), query=posts_count(100, ANSWER), group="answers"),
    _rule("supporter", _l("Supporter"), _l("Marked a first post as helpful."), "bronze",
          hooks=frozenset({VOTE}), query=first_vote_cast),
    _rule("civic-duty", _l("Civic duty"), _l("Marked 100 posts as helpful."), "silver",
          hooks=frozenset({VOTE}), query=votes_cast(100)),
    _rule("autobiographer", _l("Autobiographer"), _l("Wrote a bio on their profile."), "bronze",
          query=filled_bio),
    _rule("scholar", _l("Scholar"), _l("Asked a question and accepted an answer."), "bronze",
          hooks=frozenset({ACCEPT}), query=scholar),
    _rule("editor", _l("Editor"), _l("Improved a post by editing it."), "bronze",
          hooks=frozenset({EDIT}), query=edited_a_post),
    _rule("welcomer", _l("Welcomer"), _l("Answered a newcomer's first question."), "bronze",
          hooks=frozenset({POST}), query=welcomed),
    _rule("anniversary", _l("Anniversary"), _l("A member for a year, with at least one post."),
          "bronze", query=anniversary),
    # Solutions
    _rule("solver", _l("Solver"), _l("Had a first answer accepted as the solution."), "bronze",
          hooks=frozenset({ACCEPT}), query=accepted_answers(1), group="answers"),
    _rule("troubleshooter", _l("Troubleshooter"), _l("Had 10 answers accepted."), "silver",
          hooks=frozenset({ACCEPT}), query=accepted_answers(10), group="answers"),
    _rule("problem-crusher", _l("Problem crusher"), _l("Had 50 answers accepted."), "gold",
          hooks=frozenset({ACCEPT}), query=accepted_answers(50), group="answers"),
    _rule("enlightened", _l("Enlightened"),
          _l("Wrote an accepted answer with 10 helpful votes or more."), "silver",
          hooks=frozenset({VOTE, ACCEPT}), query=enlightened, group="answers"),
    # Helpful votes
    _rule("appreciated", _l("Appreciated"), _l("Received 10 helpful votes."), "bronze",
          hooks=frozenset({VOTE}), query=votes_received(10), group="votes"),
    _rule("valued", _l("Valued"), _l("Received 100 helpful votes."), "silver",
          hooks=frozenset({VOTE}), query=votes_received(100), group="votes"),
    _rule("pillar", _l("Pillar of the community"), _l("Received 1,000 helpful votes."), "gold",
          hooks=frozenset({VOTE}), query=votes_received(1000), group="votes"),
    _rule("nice-answer", _l("Nice answer"), _l("An answer with 5 helpful votes."), "bronze",
          scope="post", hooks=frozenset({VOTE}), query=voted_posts(5, True), group="votes"),
    _rule("great-answer", _l("Great answer"), _l("An answer with 10 helpful votes."), "silver",
          scope="post", hooks=frozenset({VOTE}), query=voted_posts(10, True), group="votes"),
    _rule("stellar-answer", _l("Stellar answer"), _l("An answer with 25 helpful votes."), "gold",
          scope="post", hooks=frozenset({VOTE}), query=voted_posts(25, True), group="votes"),
    _rule("good-question", _l("Good question"), _l("A question with 5 helpful votes."),
          "bronze", scope="post", hooks=frozenset({VOTE}), query=voted_posts(5, False),
          group="votes"),
    _rule("popular-question", _l("Popular question"), _l("A question that drew 5 answers."),
          "bronze", scope="topic", hooks=frozenset({POST}), query=popular_questions),
    _rule("necromancer", _l("Necromancer"),
          _l("Answered a question 60 days or more after it was asked; the answer got 5 votes."),
          "silver", scope="post", hooks=frozenset({VOTE}), query=necromancer, group="answers"),
    _rule("self-learner", _l("Self-learner"),
          _l("Answered their own question with an answer that got 3 votes."), "bronze",
          scope="post", hooks=frozenset({VOTE}), query=self_learner, group="answers"),
    # Presence
    _rule("regular-visitor", _l("Regular visitor"), _l("Visited 10 days in a row."), "bronze",
          query=visit_streak(10), group="presence"),
    _rule("devoted", _l("Devoted"), _l("Visited 50 days in a row."), "silver",
          query=visit_streak(50), group="presence"),
    _rule("fanatic", _l("Fanatic"), _l("Visited 100 days in a row."), "gold",
          query=visit_streak(100), group="presence"),
    # Expertise per category, recomputed daily and taken back if the score falls.
    *(
        _rule(f"category-expert-{tier}", name, description, tier, scope="category",
              query=category_expertise(tier), revocable=True, group="expertise")
        for tier, name, description in (
            ("bronze", _l("Category expert (bronze)"),
             _l("A score of 20 from 5 answers or more in one category.")),
            ("silver", _l("Category expert (silver)"),
             _l("A score of 100 from 20 answers or more in one category.")),
            ("gold", _l("Category expert (gold)"),
             _l("A score of 400 from 50 answers or more in one category.")),
        )
    ),
    # Granted by code: moderation (flags), ambassadors, invitations.
    _rule("deputy", _l("Deputy"), _l("5 flags upheld by moderators."), "bronze",
          group="moderation"),
    _rule("marshal", _l("Marshal"), _l("50 flags upheld by moderators."), "silver",
          group="moderation"),
    _rule("ambassador", _l("Ambassador"), _l("Among the community's most helpful members."),
          "gold", group="recognition"),
    _rule("helper", _l("Helper"), _l("Trusted with helper privileges."), "silver",
          group="recognition"),
    _rule("event-guest", _l("Event guest"), _l("Came to a brand event."), "bronze",
          scope="topic", group="recognition"),
    # Granted by app/referrals when a member's referrals convert (REFERRAL_BADGE_TIERS).
    _rule("referrer", _l("Referrer"), _l("Brought a friend who took part."), "bronze",
          group="recognition"),
    _rule("referrer-silver", _l("Referrer (silver)"),
          _l("Brought 5 friends who took part."), "silver", group="recognition"),
    _rule("referrer-gold", _l("Referrer (gold)"),
          _l("Brought 20 friends who took part."), "gold", group="recognition"),
]  # fmt: skip

BY_SLUG: dict[str, BadgeRule] = {rule.slug: rule for rule in RULES}
# Flags upheld -> badge, granted when moderation reports a flagger's new total.
FLAG_THRESHOLDS = (("deputy", 5), ("marshal", 50))


def rules_for(hook: str) -> list[BadgeRule]:
    return [rule for rule in RULES if hook in rule.hooks]


def swept_rules() -> list[BadgeRule]:
    return [rule for rule in RULES if rule.swept]
