"""Who may redeem a reward: everyone, members from a level on, or a segment's members."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.ambassadors.models import AmbassadorRun, SegmentMember
from app.badges.levels import NAMES as LEVEL_NAMES
from app.badges.levels import level_for
from app.extensions import db
from app.rewards.models import EVERYONE, MIN_LEVEL, SEGMENT, Reward

SEGMENT_LABELS = {
    "ambassador": _l("ambassadors"),
    "rising": _l("ambassadors in the making"),
}


@dataclass(frozen=True)
class Standing:
    """What the catalogue needs about a member to say what they may redeem."""

    level_number: int
    segments: frozenset[str]


def standing(user: User, points: int | None = None) -> Standing:
    """The member's level (from ``points`` when given: read under the lock) and their
    segments in the last ambassador run (one query)."""
    last_run = (
        select(AmbassadorRun.id)
        .order_by(AmbassadorRun.as_of.desc(), AmbassadorRun.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    segments = db.session.scalars(
        select(SegmentMember.segment).where(
            SegmentMember.run_id == last_run, SegmentMember.user_id == user.id
        )
    ).all()
    lifetime = int(user.points or 0) if points is None else points
    return Standing(level_for(lifetime).number, frozenset(segments))


def level_label(number: int) -> str:
    """The name of the level of this number (1 = the first)."""
    levels = current_app.config["LEVELS"]
    if 1 <= number <= len(levels):
        return str(LEVEL_NAMES.get(levels[number - 1][0], levels[number - 1][0]))
    return str(number)


def refusal(reward: Reward, who: Standing) -> str | None:
    """Why this member may not redeem the reward, in words; None if they may."""
    if reward.eligibility == EVERYONE:
        return None
    if reward.eligibility == MIN_LEVEL:
        needed = int(reward.eligibility_value or 1)
        if who.level_number >= needed:
            return None
        return str(_l("For members of level %(level)s and above.", level=level_label(needed)))
    if reward.eligibility == SEGMENT:
        if reward.eligibility_value in who.segments:
            return None
        label = SEGMENT_LABELS.get(reward.eligibility_value, reward.eligibility_value)
        return str(_l("For %(segment)s only.", segment=label))
    return str(_l("Nobody may redeem this reward."))


def condition(reward: Reward) -> str:
    """Who may redeem it, in words (staff pages and the catalogue)."""
    if reward.eligibility == MIN_LEVEL:
        level = level_label(int(reward.eligibility_value or 1))
        return str(_l("Level %(level)s and above", level=level))
    if reward.eligibility == SEGMENT:
        segment = SEGMENT_LABELS.get(reward.eligibility_value, reward.eligibility_value)
        return str(_l("Segment: %(segment)s", segment=segment))
    return str(_l("Everyone"))
