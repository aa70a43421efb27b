"""Read models for the ambassador pages: runs, breakdowns, history (console: console_queries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, func, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.ambassadors.models import (
    AmbassadorRun,
    AmbassadorStatus,
    EngagementScore,
    StatusChange,
)
from app.ambassadors.scoring import EXTERNAL_SIGNALS, FORUM_SIGNALS, ScoreParams, scores_query
from app.core.clock import now_utc
from app.extensions import db

SIGNAL_LABELS = {
    "accepted_answers": _l("Accepted answers"),
    "helpful_votes": _l("Helpful votes received (weighted by the voter)"),
    "answers": _l("Answers given"),
    "replies": _l("Replies in discussions"),
    "comments": _l("Comments on posts"),
    "rescued_questions": _l("Questions answered after waiting a day"),
    "topics_started": _l("Topics started"),
    "active_days": _l("Days active"),
    "badges_earned": _l("Badges earned in the window"),
    "flags_upheld": _l("Flags upheld"),
    "purchases": _l("Purchases"),
    "reviews": _l("Reviews (in five-star units)"),
    "referrals": _l("Referrals that joined"),
    "events": _l("Events attended"),
    "social_follows": _l("Following the brand on social networks"),
    "surveys": _l("Surveys answered"),
    "co_creation": _l("Co-creation workshops taken part in"),
    "redemptions": _l("Rewards redeemed (not counted in the score)"),
}
REASON_LABELS = {
    "selected": _l("Selected among the most helpful members"),
    "grace_started": _l("Left the top: grace period started"),
    "requalified": _l("Back in the top: grace period ended"),
    "grace_expired": _l("Grace period over"),
    "ineligible": _l("No longer eligible (suspended, inactive or staff)"),
    "promoted_by_hand": _l("Promoted by a moderator"),
    "demoted_by_hand": _l("Demoted by a moderator"),
    "unpinned": _l("Decision left to the nightly job again"),
}


@dataclass(frozen=True)
class SignalLine:
    name: str
    label: Any
    figure: float
    weight: float
    points: float
    external: bool


@dataclass(frozen=True)
class Breakdown:
    """A member's score, signal by signal, from a run (or computed now)."""

    lines: list[SignalLine]
    forum_score: float
    external_raw: float
    external_score: float
    score: float
    eligible: bool
    rank: int | None
    run: AmbassadorRun | None


def latest_run() -> AmbassadorRun | None:
    return db.session.scalar(
        select(AmbassadorRun).order_by(AmbassadorRun.as_of.desc(), AmbassadorRun.id.desc())
    )


def _breakdown(row: Any, weights: dict[str, float], run: AmbassadorRun | None) -> Breakdown:
    lines = [
        SignalLine(
            name,
            SIGNAL_LABELS[name],
            float(getattr(row, name) or 0),
            weights.get(name, 0.0),
            float(getattr(row, name) or 0) * weights.get(name, 0.0),
            name in EXTERNAL_SIGNALS.values(),
        )
        for name in (*FORUM_SIGNALS, *EXTERNAL_SIGNALS.values())
    ]
    return Breakdown(
        lines=lines,
        forum_score=float(row.forum_score or 0),
        external_raw=float(row.external_raw or 0),
        external_score=float(row.external_score or 0),
        score=float(row.score or 0),
        eligible=bool(row.eligible),
        rank=row.rank if run is not None else None,
        run=run,
    )


def breakdown(user_id: int, run: AmbassadorRun | None) -> Breakdown | None:
    """The member's breakdown in ``run``; without a run (or row), computed now."""
    if run is not None:
        row = db.session.get(EngagementScore, (run.id, user_id))
        if row is not None:
            return _breakdown(row, run.params.get("weights", {}), run)
    params = ScoreParams.from_config(now_utc())
    found = db.session.execute(scores_query(params, [user_id])).first()
    if found is None:
        return None
    return _breakdown(found, params.weights, None)


def history(user_id: int) -> list[Row[Any]]:
    actor = aliased(User)
    return list(
        db.session.execute(
            select(StatusChange, actor.username)
            .outerjoin(actor, actor.id == StatusChange.actor_id)
            .where(StatusChange.user_id == user_id)
            .order_by(StatusChange.created_at.desc(), StatusChange.id.desc())
            .limit(100)
        )
    )


def current_ambassador_count() -> int:
    return (
        db.session.scalar(select(func.count()).where(AmbassadorStatus.status == "ambassador")) or 0
    )
