"""Staff manage the catalogue: rewards (both languages, picture, cost, stock, limit,
eligibility, delivery), their archive, and the uploaded lists of codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.sql import insert_for, savepoint
from app.extensions import db
from app.rewards.errors import RewardError
from app.rewards.models import (
    DELIVERIES,
    ELIGIBILITY_KINDS,
    ELIGIBLE_SEGMENTS,
    EVERYONE,
    MIN_LEVEL,
    SEGMENT,
    Reward,
    RewardCode,
)

MAX_CODE = 64
MAX_COST = 10_000_000
MAX_STOCK = 10_000_000
EDITABLE = ("title_en", "title_fr", "description_en", "description_fr", "cost", "stock",
            "per_member_limit", "eligibility", "eligibility_value", "delivery")  # fmt: skip


def _require(actor: User) -> None:
    if not actor.can("reward.manage"):
        raise RewardError(_l("You are not allowed to manage rewards."), 403)


def _clean(values: dict[str, Any], levels: int) -> dict[str, Any]:
    clean = {name: values.get(name) for name in EDITABLE}
    for name in ("title_en", "title_fr", "description_en", "description_fr"):
        clean[name] = (clean[name] or "").strip()
    if not clean["title_en"] and not clean["title_fr"]:
        raise RewardError(_l("Give a title in English or in French."), field="title_en")
    cost = clean["cost"]
    if not isinstance(cost, int) or not 0 < cost <= MAX_COST:
        raise RewardError(_l("The cost is a number of points above zero."), field="cost")
    stock = clean["stock"]
    if stock is not None and (not isinstance(stock, int) or not 0 <= stock <= MAX_STOCK):
        raise RewardError(_l("The stock is zero or more (empty: unlimited)."), field="stock")
    limit = clean["per_member_limit"]
    if limit is not None and (not isinstance(limit, int) or not 0 < limit <= MAX_STOCK):
        raise RewardError(_l("The limit is one or more (empty: no limit)."),
                          field="per_member_limit")  # fmt: skip
    if clean["eligibility"] not in ELIGIBILITY_KINDS:
        raise RewardError(_l("Choose who may redeem it."), field="eligibility")
    if clean["delivery"] not in DELIVERIES:
        raise RewardError(_l("Choose how it is delivered."), field="delivery")
    value = str(clean["eligibility_value"] or "").strip()
    if clean["eligibility"] == EVERYONE:
        value = ""
    elif clean["eligibility"] == MIN_LEVEL and value not in {str(n) for n in range(1, levels + 1)}:
        raise RewardError(_l("Choose the lowest level that may redeem it."), field="min_level")
    elif clean["eligibility"] == SEGMENT and value not in ELIGIBLE_SEGMENTS:
        raise RewardError(_l("Choose the segment that may redeem it."), field="segment")
    clean["eligibility_value"] = value
    return clean


def create(actor: User, values: dict[str, Any], levels: int, picture: str | None = None) -> Reward:
    """A new reward in the catalogue; the caller commits."""
    _require(actor)
    clean = _clean(values, levels)
    at = now_utc()
    position = (db.session.scalar(select(func.max(Reward.position))) or 0) + 1
    reward = Reward(**clean, picture=picture, position=position, created_by_id=actor.id,
                    created_at=at, updated_at=at)  # fmt: skip
    db.session.add(reward)
    db.session.flush()
    queue_audit(actor.id, "reward.create", "reward", reward.id,
                after={"title_en": reward.title_en, "cost": reward.cost})  # fmt: skip
    return reward


def edit(actor: User, reward_id: int, values: dict[str, Any], levels: int,
         picture: str | None = None) -> Reward:  # fmt: skip
    """Change a reward (redemptions already made keep their cost); the caller commits."""
    _require(actor)
    clean = _clean(values, levels)
    with savepoint():
        reward = db.session.scalar(select(Reward).where(Reward.id == reward_id).with_for_update())
        if reward is None:
            raise RewardError(_l("This reward does not exist."), 404)
        before, after = {}, {}
        for name, value in clean.items():
            if getattr(reward, name) != value:
                before[name], after[name] = getattr(reward, name), value
                setattr(reward, name, value)
        if picture is not None and picture != reward.picture:
            before["picture"], after["picture"] = reward.picture, picture
            reward.picture = picture
        reward.updated_at = now_utc()
    if after:
        queue_audit(actor.id, "reward.edit", "reward", reward.id, before=before, after=after)
    return reward


def set_archived(actor: User, reward_id: int, archived: bool) -> Reward:
    """Take a reward out of the catalogue (or put it back); the caller commits."""
    _require(actor)
    reward = db.session.get(Reward, reward_id)
    if reward is None:
        raise RewardError(_l("This reward does not exist."), 404)
    if (reward.archived_at is not None) != archived:
        reward.archived_at = now_utc() if archived else None
        queue_audit(actor.id, "reward.archive" if archived else "reward.unarchive", "reward",
                    reward.id)  # fmt: skip
    return reward


@dataclass(frozen=True)
class CodesReport:
    """What an upload did: codes added, and the lines refused with why."""

    added: int
    repeated_lines: tuple[int, ...] = ()  # twice in the file
    known_lines: tuple[int, ...] = ()  # already in the list
    too_long_lines: tuple[int, ...] = ()
    lines: dict[str, int] = field(default_factory=dict)


def upload_codes(actor: User, reward_id: int, text: str) -> CodesReport:
    """Add codes, one a line (blank lines skipped); a code met twice, or already in the
    list, is refused and its line reported. The caller commits."""
    _require(actor)
    first_line: dict[str, int] = {}
    repeated, too_long = [], []
    for line, raw in enumerate(text.splitlines(), start=1):
        code = raw.strip()
        if not code:
            continue
        if len(code) > MAX_CODE:
            too_long.append(line)
        elif code in first_line:
            repeated.append(line)
        else:
            first_line[code] = line
    with savepoint():
        reward = db.session.scalar(select(Reward).where(Reward.id == reward_id).with_for_update())
        if reward is None:
            raise RewardError(_l("This reward does not exist."), 404)
        known: set[str] = set()
        codes = list(first_line)
        for start in range(0, len(codes), 500):
            batch = codes[start : start + 500]
            known.update(db.session.scalars(select(RewardCode.code).where(
                RewardCode.reward_id == reward.id, RewardCode.code.in_(batch))))  # fmt: skip
        fresh = [code for code in codes if code not in known]
        added, at = 0, now_utc()
        rows = [{"reward_id": reward.id, "code": code, "uploaded_at": at} for code in fresh]
        statement = insert_for(RewardCode).on_conflict_do_nothing()
        for start in range(0, len(rows), 1000):
            added += db.session.execute(statement, rows[start : start + 1000]).rowcount or 0
    queue_audit(actor.id, "reward.codes", "reward", reward_id, after={"added": added})
    return CodesReport(added, tuple(repeated), tuple(sorted(first_line[c] for c in known)),
                       tuple(too_long))  # fmt: skip


def free_codes(reward_id: int) -> int:
    """Codes not yet reserved for a redemption."""
    return int(
        db.session.scalar(
            select(func.count(RewardCode.id)).where(
                RewardCode.reward_id == reward_id, RewardCode.redemption_id.is_(None)
            )
        )
        or 0
    )
