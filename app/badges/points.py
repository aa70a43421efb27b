"""The points ledger: record, reverse, cap, verify. Every change goes through here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.badges.models import LedgerEntry, PointRule
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.sql import savepoint
from app.extensions import db

ACTION_LABELS = {
    "answer_voted": _l("Answer voted helpful"),
    "question_voted": _l("Question voted helpful"),
    "post_voted": _l("Discussion post voted helpful"),
    "answer_accepted": _l("Answer accepted as the solution"),
    "accepted_an_answer": _l("Accepting an answer to one's question"),
    "topic_started": _l("Topic started"),
    "reply_posted": _l("Answer or reply posted"),
    "welcomed_newcomer": _l("First answer to a newcomer's first question"),
}
ACTIONS = (
    "answer_voted",
    "question_voted",
    "post_voted",
    "answer_accepted",
    "accepted_an_answer",
    "topic_started",
    "reply_posted",
    "welcomed_newcomer",
)


def rule_points(action: str) -> int:
    """Points for an action: the administrator's override, else the configured default."""
    override = db.session.scalar(select(PointRule.points).where(PointRule.action == action))
    if override is not None:
        return override
    return int(current_app.config["POINTS"].get(action, 0))


def all_rules() -> dict[str, int]:
    overrides = dict(db.session.execute(select(PointRule.action, PointRule.points)).all())
    defaults = current_app.config["POINTS"]
    return {action: overrides.get(action, defaults.get(action, 0)) for action in ACTIONS}


def set_rules(actor: User, values: dict[str, int]) -> dict[str, int]:
    """Store an administrator's point values (audited); the ones that changed. Caller commits.

    They apply to new activity: entries already in the ledger keep their points.
    """
    current = all_rules()
    changed = {a: values[a] for a in ACTIONS if a in values and values[a] != current[a]}
    if changed:
        queue_audit(actor.id, "settings.points", "settings", None,
                    before={a: current[a] for a in changed}, after=changed)  # fmt: skip
    for action in ACTIONS:
        if action not in values:
            continue
        rule = db.session.get(PointRule, action)
        if rule is None:
            db.session.add(PointRule(action=action, points=values[action], updated_by_id=actor.id))
        else:
            rule.points, rule.updated_at = values[action], now_utc()
            rule.updated_by_id = actor.id
    return changed


def _day_bounds(at: datetime) -> tuple[datetime, datetime]:
    start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def _unreversed() -> object:
    reversal = aliased(LedgerEntry)
    return ~select(reversal.id).where(reversal.reverses_id == LedgerEntry.id).exists()


def capped_today(user_id: int, at: datetime) -> int:
    """Vote points the member kept on the UTC day of ``at``."""
    start, end = _day_bounds(at)
    return (
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                LedgerEntry.user_id == user_id,
                LedgerEntry.capped.is_(True),
                LedgerEntry.reverses_id.is_(None),
                LedgerEntry.created_at >= start,
                LedgerEntry.created_at < end,
                _unreversed(),
            )
        )
        or 0
    )


def _lock_member(user_id: int) -> None:
    """Serialise point changes of one member (a row lock on PostgreSQL; SQLite has one writer)."""
    db.session.execute(update(User).where(User.id == user_id).values(points=User.points))


def _insert(entry: LedgerEntry) -> LedgerEntry | None:
    try:
        with savepoint():
            db.session.add(entry)
    except IntegrityError:
        return None  # this event is already in the ledger
    if entry.points:
        db.session.execute(
            update(User).where(User.id == entry.user_id).values(points=User.points + entry.points)
        )
    return entry


@dataclass(frozen=True)
class Award:
    """What a listener asks the ledger to record."""

    user_id: int
    action: str
    event_key: str
    at: datetime
    post_id: int | None = None
    topic_id: int | None = None
    category_id: int | None = None
    actor_id: int | None = None
    capped: bool = False


def record(award: Award, points: int | None = None) -> LedgerEntry | None:
    """Add an entry (None if this event is already recorded). Capped points stop at the cap."""
    value = rule_points(award.action) if points is None else points
    _lock_member(award.user_id)
    if award.capped and value > 0:
        room = current_app.config["POINTS_DAILY_VOTE_CAP"] - capped_today(award.user_id, award.at)
        value = max(0, min(value, room))
    return _insert(
        LedgerEntry(
            user_id=award.user_id,
            action=award.action,
            points=value,
            post_id=award.post_id,
            topic_id=award.topic_id,
            category_id=award.category_id,
            actor_id=award.actor_id,
            created_at=award.at,
            event_key=award.event_key,
            capped=award.capped,
        )
    )


def reverse(entry: LedgerEntry, reason: str, at: datetime) -> LedgerEntry | None:
    """Cancel an entry with a reversing entry; None if it was already reversed."""
    _lock_member(entry.user_id)
    return _insert(
        LedgerEntry(
            user_id=entry.user_id,
            action=entry.action,
            points=-entry.points,
            post_id=entry.post_id,
            topic_id=entry.topic_id,
            category_id=entry.category_id,
            actor_id=entry.actor_id,
            created_at=at,
            event_key=f"reverse:{entry.id}",
            reverses_id=entry.id,
            reason=reason,
        )
    )


def live_entries(*conditions: object) -> list[LedgerEntry]:
    """Entries that are not reversals and have not been reversed, matching ``conditions``."""
    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.reverses_id.is_(None), _unreversed(), *conditions)
            .order_by(LedgerEntry.id)
        )
    )


def reverse_all(entries: Iterable[LedgerEntry], reason: str, at: datetime) -> int:
    return sum(1 for entry in entries if reverse(entry, reason, at) is not None)


def ledger_total(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                LedgerEntry.user_id == user_id
            )
        )
        or 0
    )


def mismatched_totals(limit: int | None = None) -> list[tuple[int, str, int, int]]:
    """Members whose cached total differs from their ledger: (id, username, cached, ledger)."""
    sums = (
        select(LedgerEntry.user_id, func.sum(LedgerEntry.points).label("total"))
        .group_by(LedgerEntry.user_id)
        .subquery()
    )
    ledger = func.coalesce(sums.c.total, 0)
    query = (
        select(User.id, User.username, User.points, ledger)
        .outerjoin(sums, sums.c.user_id == User.id)
        .where(User.points != ledger)
        .order_by(User.id)
    )
    if limit:
        query = query.limit(limit)
    return [tuple(row) for row in db.session.execute(query).all()]  # type: ignore[misc]


def fix_totals() -> int:
    """Set every cached total to its ledger sum, in one statement; returns rows changed."""
    ledger = (
        select(func.coalesce(func.sum(LedgerEntry.points), 0))
        .where(LedgerEntry.user_id == User.id)
        .scalar_subquery()
    )
    return db.session.execute(
        update(User).where(User.points != ledger).values(points=ledger)
    ).rowcount
