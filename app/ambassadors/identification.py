"""The nightly identification of ambassadors (decisions by hand are in services.py).

``identify`` is the job's whole work in one transaction: score every member, rank the
eligible ones, decide demotions (before promotions), grace periods and promotions
with set-based statements, then grant or take back the helper capabilities and status
badges and recompute the segments. A run killed halfway leaves nothing behind, and a
second run for the same date changes nothing: both give the same statuses.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from app.accounts.models import User
from app.ambassadors import marks, segments
from app.ambassadors.models import (
    AmbassadorRun,
    AmbassadorStatus,
    EngagementScore,
    SegmentMember,
    StatusChange,
)
from app.ambassadors.scoring import SIGNALS, ScoreParams, scores_query
from app.ambassadors.services import SOURCE, STATUS_BADGES
from app.badges import awards
from app.core.clock import now_utc
from app.core.notifications import notify_selected
from app.core.permissions import HELPER_CAPABILITIES, CapabilityGrant
from app.core.sql import insert_for
from app.core.urls import path_for
from app.extensions import db

NOTIFY_BATCH = 1000
HISTORY_COLUMNS = [
    "user_id",
    "old_status",
    "new_status",
    "reason",
    "score",
    "rank",
    "run_id",
    "created_at",
]


def top_count(eligible: int, share: float) -> int:
    """How many members make the top share: ceil, and at least one once anyone is eligible."""
    if eligible <= 0:
        return 0
    return max(1, math.ceil(eligible * share - 1e-9))


def seat_count(contributors: int, eligible: int, share: float) -> int:
    """The seats of a run: the top share of the members who *contributed* in the window
    (the community as it is, small at the top), never more than there are eligible
    members to take them. The eligibility floor decides who may sit, not how many seats."""
    if eligible <= 0:
        return 0
    return min(eligible, top_count(contributors, share))


def _contributors(run_id: int, min_posts: int) -> int:
    """Customers (active, not staff or system accounts) with ``min_posts`` topics, answers
    or replies in the run's window: the members the seats are a share of."""
    posts = EngagementScore.answers + EngagementScore.replies + EngagementScore.topics_started
    return (
        db.session.scalar(
            select(func.count())
            .select_from(EngagementScore)
            .join(User, User.id == EngagementScore.user_id)
            .where(EngagementScore.run_id == run_id, User.role == "member",
                   User.active.is_(True), posts >= max(1, min_posts))
        )
        or 0
    )  # fmt: skip


# -- the run ------------------------------------------------------------------------


def identify(as_of: datetime | None = None, window_days: int | None = None) -> AmbassadorRun:
    """Evaluate the community as it stood at ``as_of`` and apply the decisions.

    One transaction, committed by the caller (the job runner): a run stopped halfway
    leaves nothing behind.
    """
    config = current_app.config
    as_of = as_of or now_utc()
    params = ScoreParams.from_config(as_of, window_days)
    run = AmbassadorRun(as_of=as_of, window_days=params.window_days, params=params.as_dict())
    db.session.add(run)
    db.session.flush()

    _store_scores(run.id, params)
    eligible = db.session.scalar(
        select(func.count()).where(EngagementScore.run_id == run.id, EngagementScore.eligible)
    )
    share = float(config["AMBASSADOR_TOP_SHARE"])
    contributor_posts = int(config["AMBASSADOR_CONTRIBUTOR_MIN_POSTS"])
    contributors = _contributors(run.id, contributor_posts)
    top = seat_count(contributors, eligible or 0, share)
    run.eligible_count, run.selected_count = eligible or 0, top
    # What the seats were counted from, kept with the run (the pages explain it).
    run.params = {**run.params, "top_share": share, "contributors": contributors,
                  "contributor_min_posts": contributor_posts}  # fmt: skip
    run.cutoff_score = db.session.scalar(
        select(EngagementScore.score).where(
            EngagementScore.run_id == run.id, EngagementScore.rank == top
        )
    )
    figures = {"contributors": contributors} | _decide(run, top)
    figures |= _apply(run)
    figures |= segments.recompute(run, top)
    figures["pruned_runs"] = _prune_old_breakdowns(int(config["AMBASSADOR_KEEP_RUNS"]))
    run.figures = figures
    return run


def _prune_old_breakdowns(keep: int) -> int:
    """Drop the per-member rows of all but the latest ``keep`` runs (they grow by one row
    per active member each night); returns how many runs lost theirs."""
    old = (
        select(AmbassadorRun.id)
        .order_by(AmbassadorRun.as_of.desc(), AmbassadorRun.id.desc())
        .offset(max(keep, 1))
    )
    old_ids = list(db.session.scalars(old))
    if not old_ids:
        return 0
    pruned = db.session.scalar(
        select(func.count(func.distinct(EngagementScore.run_id))).where(
            EngagementScore.run_id.in_(old_ids)
        )
    )
    for model in (EngagementScore, SegmentMember):
        db.session.execute(
            delete(model)
            .where(model.run_id.in_(old_ids))
            .execution_options(synchronize_session=False)
        )
    return pruned or 0


def _store_scores(run_id: int, params: ScoreParams) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        # Compiling this one big plan with JIT costs more than it saves (measured: 13%
        # slower at 100,000 members); for this transaction only.
        db.session.execute(text("SET LOCAL jit = off"))
    scores = scores_query(params).subquery()
    names = [*SIGNALS, "forum_score", "external_raw", "external_score", "score"]
    columns = ["run_id", "user_id", *names, "eligible", "rank"]
    source = select(
        literal(run_id), scores.c.user_id, *[scores.c[n] for n in names], scores.c.eligible,
        scores.c.rank,
    )  # fmt: skip
    db.session.execute(insert(EngagementScore).from_select(columns, source))


def _score_of(run_id: int) -> Any:
    """An outer-join condition to this run's score row of a status row's member."""
    return and_(
        EngagementScore.user_id == AmbassadorStatus.user_id, EngagementScore.run_id == run_id
    )


def _record(changes: Select[Any]) -> int:
    """Append history rows from a select of HISTORY_COLUMNS; returns how many."""
    result = db.session.execute(
        insert(StatusChange)
        .from_select(HISTORY_COLUMNS, changes)
        .execution_options(preserve_rowcount=True)
    )
    return result.rowcount or 0


def _changed_in(run_id: int, *reasons: str) -> Select[Any]:
    return select(StatusChange.user_id).where(
        StatusChange.run_id == run_id, StatusChange.reason.in_(reasons)
    )


def _decide(run: AmbassadorRun, top: int) -> dict[str, int]:
    """Demotions, then grace periods, then promotions: history rows, then status rows."""
    config = current_app.config
    at = run.as_of
    selected = and_(EngagementScore.rank.is_not(None), EngagementScore.rank <= top)
    ineligible = select(User.id).where(
        or_(
            User.role != "member",
            User.active.is_(False),
            and_(User.suspended_until.is_not(None), User.suspended_until > at),
        )
    )
    held = and_(AmbassadorStatus.status == "ambassador", AmbassadorStatus.pinned.is_(False))

    def history(old: str, new: str, reason: Any) -> Select[Any]:
        return (
            select(
                AmbassadorStatus.user_id, literal(old), literal(new), reason,
                EngagementScore.score, EngagementScore.rank, literal(run.id),
                literal(at, StatusChange.created_at.type),
            )
            .select_from(AmbassadorStatus)
            .outerjoin(EngagementScore, _score_of(run.id))
        )  # fmt: skip

    # 1. Demotions: suspended or no longer a customer at once; others once grace is over
    #    and the minimum tenure is served.
    min_since = at - timedelta(days=int(config["AMBASSADOR_MIN_DAYS"]))
    expired = and_(
        ~selected,
        AmbassadorStatus.grace_until.is_not(None),
        AmbassadorStatus.grace_until <= at,
        AmbassadorStatus.since <= min_since,
    )
    is_ineligible = AmbassadorStatus.user_id.in_(ineligible)
    reason = case((is_ineligible, literal("ineligible")), else_=literal("grace_expired"))
    demoted = _record(
        history("ambassador", "member", reason).where(held, or_(is_ineligible, expired))
    )
    db.session.execute(
        update(AmbassadorStatus)
        .where(AmbassadorStatus.user_id.in_(_changed_in(run.id, "ineligible", "grace_expired")))
        .values(status="member", since=at, grace_until=None, updated_at=at)
    )

    # 2. Grace: ambassadors out of the top keep the status for a while; back in, it ends.
    out_of_top = ~selected
    graced = _record(
        history("ambassador", "ambassador", literal("grace_started")).where(
            held, AmbassadorStatus.grace_until.is_(None), out_of_top
        )
    )
    grace_until = at + timedelta(days=int(config["AMBASSADOR_GRACE_DAYS"]))
    db.session.execute(
        update(AmbassadorStatus)
        .where(AmbassadorStatus.user_id.in_(_changed_in(run.id, "grace_started")))
        .values(grace_until=grace_until, updated_at=at)
    )
    requalified = _record(
        history("ambassador", "ambassador", literal("requalified")).where(
            held, AmbassadorStatus.grace_until.is_not(None), selected
        )
    )
    db.session.execute(
        update(AmbassadorStatus)
        .where(AmbassadorStatus.user_id.in_(_changed_in(run.id, "requalified")))
        .values(grace_until=None, updated_at=at)
    )

    # 3. Promotions: the selected who are not ambassadors, unless a moderator pinned them.
    status = aliased(AmbassadorStatus)
    promoted = _record(
        select(
            EngagementScore.user_id, func.coalesce(status.status, literal("member")),
            literal("ambassador"), literal("selected"), EngagementScore.score,
            EngagementScore.rank, literal(run.id), literal(at, StatusChange.created_at.type),
        )
        .select_from(EngagementScore)
        .outerjoin(status, status.user_id == EngagementScore.user_id)
        .where(EngagementScore.run_id == run.id, selected)
        .where(or_(status.user_id.is_(None), and_(status.status != "ambassador",
                                                  status.pinned.is_(False))))
    )  # fmt: skip
    promoted_ids = select(StatusChange.user_id.label("user_id"), literal("ambassador"),
                          literal(at, AmbassadorStatus.since.type),
                          literal(at, AmbassadorStatus.updated_at.type)).where(
        StatusChange.run_id == run.id, StatusChange.reason == "selected", text("1 = 1")
    )  # fmt: skip
    upsert = insert_for(AmbassadorStatus).from_select(
        ["user_id", "status", "since", "updated_at"], promoted_ids
    )
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"status": "ambassador", "since": at, "grace_until": None, "updated_at": at},
        )
    )
    kept = db.session.scalar(
        select(func.count()).select_from(AmbassadorStatus).where(AmbassadorStatus.pinned)
    )
    return {
        "eligible": run.eligible_count,
        "selected": top,
        "demoted": demoted,
        "grace_started": graced,
        "requalified": requalified,
        "promoted": promoted,
        "pinned": kept or 0,
    }


def _apply(run: AmbassadorRun) -> dict[str, int]:
    """Capabilities, badges and notifications for this run's promotions and demotions."""
    promoted = _changed_in(run.id, "selected")
    demoted = _changed_in(run.id, "ineligible", "grace_expired")
    _grant_helpers(promoted)
    db.session.execute(
        delete(CapabilityGrant)
        .where(CapabilityGrant.source == SOURCE, CapabilityGrant.user_id.in_(demoted))
        .execution_options(synchronize_session=False)
    )
    badges = 0
    for slug in STATUS_BADGES:
        if current_app.config["AMBASSADOR_STATUS_PUBLIC"]:
            badges += awards.grant_to_members(slug, promoted.with_only_columns(
                StatusChange.user_id.label("user_id")), now_utc())  # fmt: skip
        awards.revoke_from_members(slug, demoted, now_utc())
    _notify_all(promoted, "ambassadors.promoted")
    _notify_all(demoted, "ambassadors.demoted")
    _notify_all(_changed_in(run.id, "grace_started"), "ambassadors.grace")
    marks.statuses_changed(
        select(StatusChange.user_id).where(
            StatusChange.run_id == run.id, StatusChange.old_status != StatusChange.new_status
        )
    )
    return {"badges_granted": badges}


def _grant_helpers(user_ids: Select[Any]) -> None:
    """Give each member the helper capabilities they do not already hold from us."""
    members = user_ids.subquery()
    now = now_utc()
    for capability in HELPER_CAPABILITIES:
        held = exists().where(
            CapabilityGrant.user_id == members.c.user_id,
            CapabilityGrant.capability == capability,
            CapabilityGrant.source == SOURCE,
        )
        db.session.execute(
            insert(CapabilityGrant).from_select(
                ["user_id", "capability", "source", "granted_at"],
                select(
                    members.c.user_id, literal(capability), literal(SOURCE),
                    literal(now, CapabilityGrant.granted_at.type),
                ).where(~held),
            )
        )  # fmt: skip


def _notify_all(user_ids: Select[Any], kind: str) -> int:
    return notify_selected(user_ids, kind, path_for("ambassadors.my_status"), NOTIFY_BATCH)
