"""The brand's segments, recomputed with every run: ambassadors, rising, opportunists.

- ambassador: every member holding the status after the run;
- rising ("ambassadors in the making"): not ambassadors, and ranked just below the top
  share (the next AMBASSADOR_RISING_SHARE of eligible members), or whose score at least
  doubled since the previous run to half the cutoff or more, or newcomers
  (NEWCOMER_DAYS) with an accepted answer in the window;
- opportunist: not ambassadors, with activity outside the forum worth at least twice
  their forum contribution: the weighted external signals (referrals, purchases...)
  plus each reward redeemed in the window (which weighs nothing in the score) counted
  AMBASSADOR_OPPORTUNIST_REDEMPTION_WEIGHT. A member who redeems much and helps little
  falls in it.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, insert, literal, or_, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.ambassadors.models import AmbassadorRun, AmbassadorStatus, EngagementScore, SegmentMember
from app.extensions import db

OPPORTUNIST_RATIO = 2.0
GROWTH_FACTOR = 2.0


def _not_ambassador() -> Any:
    return ~EngagementScore.user_id.in_(
        select(AmbassadorStatus.user_id).where(AmbassadorStatus.status == "ambassador")
    )


def _previous_run(run: AmbassadorRun) -> int | None:
    return db.session.scalar(
        select(AmbassadorRun.id)
        .where(AmbassadorRun.as_of < run.as_of, AmbassadorRun.id != run.id)
        .order_by(AmbassadorRun.as_of.desc(), AmbassadorRun.id.desc())
        .limit(1)
    )


def _insert(run_id: int, segment: str, user_ids: Any) -> int:
    source = select(literal(run_id), user_ids.c.user_id, literal(segment))
    result = db.session.execute(
        insert(SegmentMember)
        .from_select(["run_id", "user_id", "segment"], source)
        .execution_options(preserve_rowcount=True)
    )
    return result.rowcount or 0


def recompute(run: AmbassadorRun, top: int) -> dict[str, int]:
    """Write this run's segment members; returns how many each segment has."""
    config = current_app.config
    ambassadors = select(AmbassadorStatus.user_id).where(AmbassadorStatus.status == "ambassador")
    figures = {"segment_ambassador": _insert(run.id, "ambassador", ambassadors.subquery())}

    rising_until = top + math.ceil(run.eligible_count * float(config["AMBASSADOR_RISING_SHARE"]))
    newcomer_since = run.as_of - timedelta(days=int(config["NEWCOMER_DAYS"]))
    reasons = [
        and_(EngagementScore.rank > top, EngagementScore.rank <= rising_until),
        and_(
            EngagementScore.accepted_answers >= 1,
            EngagementScore.user_id.in_(
                select(User.id).where(
                    User.created_at > newcomer_since, User.role == "member", User.active
                )
            ),
        ),
    ]
    previous_id = _previous_run(run)
    previous = aliased(EngagementScore)
    rising = select(EngagementScore.user_id).where(
        EngagementScore.run_id == run.id, _not_ambassador()
    )
    if previous_id is not None and run.cutoff_score:
        rising = rising.outerjoin(
            previous,
            and_(previous.run_id == previous_id, previous.user_id == EngagementScore.user_id),
        )
        reasons.append(
            and_(
                previous.score > 0,
                EngagementScore.score >= previous.score * GROWTH_FACTOR,
                EngagementScore.score >= run.cutoff_score / 2,
            )
        )
    figures["segment_rising"] = _insert(run.id, "rising", rising.where(or_(*reasons)).subquery())

    per_redemption = float(config["AMBASSADOR_OPPORTUNIST_REDEMPTION_WEIGHT"])
    outside = EngagementScore.external_raw + EngagementScore.redemptions * per_redemption
    opportunists = select(EngagementScore.user_id).where(
        EngagementScore.run_id == run.id,
        outside > 0,
        outside >= EngagementScore.forum_score * OPPORTUNIST_RATIO,
        _not_ambassador(),
    )
    figures["segment_opportunist"] = _insert(run.id, "opportunist", opportunists.subquery())
    return figures


def count_by_segment(run_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(SegmentMember.segment, func.count())
        .where(SegmentMember.run_id == run_id)
        .group_by(SegmentMember.segment)
    ).all()
    return {segment: count for segment, count in rows}
