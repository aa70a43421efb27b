"""Read models for the badges, leaderboard and profile pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.accounts.models import User
from app.badges.catalogue import BY_SLUG, RULES, BadgeRule
from app.badges.models import BadgeAward
from app.extensions import db


@dataclass
class BadgeStats:
    rule: BadgeRule
    holders: int
    rarity: float  # share of members holding it, 0..1


def catalogue_with_counts() -> list[BadgeStats]:
    """Every badge with how many members hold it: one grouped query.

    The holders and the members they are a share of are the same set (active accounts
    with the member role): staff and closed accounts holding a badge once counted above
    the line and not below it, and a badge could show more than 100%."""
    in_community = (User.role == "member", User.active.is_(True))
    members = db.session.scalar(select(func.count(User.id)).where(*in_community)) or 0
    counts = dict(
        db.session.execute(
            select(BadgeAward.badge, func.count(func.distinct(BadgeAward.user_id)))
            .join(User, User.id == BadgeAward.user_id)
            .where(BadgeAward.revoked_at.is_(None), *in_community)
            .group_by(BadgeAward.badge)
        ).all()
    )
    return [
        BadgeStats(
            rule, counts.get(rule.slug, 0), counts.get(rule.slug, 0) / members if members else 0
        )
        for rule in RULES
    ]


def holders(slug: str, page: int, per_page: int) -> tuple[list[tuple[BadgeAward, User]], bool]:
    rows = db.session.execute(
        select(BadgeAward, User)
        .join(User, User.id == BadgeAward.user_id)
        .where(BadgeAward.badge == slug, BadgeAward.revoked_at.is_(None))
        .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    return [(a, u) for a, u in rows[:per_page]], len(rows) > per_page


def member_badges(user_id: int) -> list[tuple[BadgeRule, int, BadgeAward]]:
    """A member's badges: each rule once, with how many times held and the latest award."""
    awards = db.session.scalars(
        select(BadgeAward)
        .where(BadgeAward.user_id == user_id, BadgeAward.revoked_at.is_(None))
        .order_by(BadgeAward.awarded_at.desc())
    ).all()
    seen: dict[str, list[BadgeAward]] = {}
    for award in awards:
        seen.setdefault(award.badge, []).append(award)
    order = {"gold": 0, "silver": 1, "bronze": 2}
    result = [
        (BY_SLUG[slug], len(items), items[0]) for slug, items in seen.items() if slug in BY_SLUG
    ]
    return sorted(result, key=lambda r: (order[r[0].tier], r[0].slug))
