"""Granting and revoking badges: instantly after events, in the daily sweep, or by code.

Granting is idempotent: every award has a unique key (badge and member, plus the post,
topic or category for repeatable badges), and inserts skip keys that exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, and_, cast, exists, func, literal, select, text, update
from sqlalchemy.sql import Select

from app.accounts.models import User
from app.badges.catalogue import BY_SLUG, BadgeRule, rules_for, swept_rules
from app.badges.models import BadgeAward
from app.core.clock import now_utc
from app.core.notifications import notify, notify_selected
from app.core.permissions import SYSTEM_ROLE
from app.core.sql import insert_for
from app.core.urls import path_for
from app.extensions import db

NOTIFY_BATCH = 1000


def notification_text(data: dict[str, Any]) -> str:
    """The wording of a "badges.awarded" notification, in the reader's language."""
    rule = BY_SLUG.get(data.get("badge", ""))
    name = str(rule.name) if rule else data.get("badge", "?")
    return _("You earned the “%(badge)s” badge", badge=name)


def award_key(slug: str, user_id: int, ref_id: int | None = None) -> str:
    return f"{slug}:{user_id}" if ref_id is None else f"{slug}:{user_id}:{ref_id}"


def _ref_columns(rule: BadgeRule, ref: Any) -> dict[str, Any]:
    if rule.scope == "post":
        return {"post_id": ref}
    if rule.scope == "category":
        return {"category_id": ref}
    return {}


def _grant_from_query(rule: BadgeRule, at: datetime, user_ids: list[int] | None,
                      dated: bool = False) -> int:  # fmt: skip
    """INSERT ... SELECT the qualifying members; existing keys are skipped. Returns new awards.

    ``dated`` (a rebuild from history): each award is dated when its threshold was
    crossed, where the rule knows it (the 10th vote...); else, and live, at ``at``."""
    assert rule.query is not None
    qualifying = rule.query(at).subquery()
    key = literal(f"{rule.slug}:") + cast(qualifying.c.user_id, String)
    stamp_at = literal(at, BadgeAward.awarded_at.type)
    if rule.repeatable:
        key = key + literal(":") + cast(qualifying.c.ref_id, String)
    columns = {
        "user_id": qualifying.c.user_id,
        "badge": literal(rule.slug),
        "award_key": key,
        "awarded_at": func.coalesce(qualifying.c.earned_at, stamp_at) if dated else stamp_at,
        "figure": qualifying.c.figure,
        **_ref_columns(rule, qualifying.c.ref_id),
    }
    # SQLite needs a WHERE in INSERT ... SELECT ... ON CONFLICT to parse it unambiguously.
    source = select(*columns.values()).where(text("1 = 1"))
    if user_ids is not None:
        source = source.where(qualifying.c.user_id.in_(user_ids))
    else:  # the sweep: system accounts (an import's "Community") earn no badge
        source = source.where(
            qualifying.c.user_id.not_in(select(User.id).where(User.role == SYSTEM_ROLE))
        )
    statement = insert_for(BadgeAward).from_select(list(columns), source)
    if rule.revocable:
        # A badge taken back earlier comes back when the member qualifies again.
        statement = statement.on_conflict_do_update(
            index_elements=["award_key"],
            set_={"revoked_at": None, "awarded_at": at},
            where=BadgeAward.revoked_at.is_not(None),
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["award_key"])
    return db.session.execute(statement).rowcount or 0


def _revoke_unqualified(rule: BadgeRule, at: datetime) -> int:
    assert rule.query is not None
    qualifying = rule.query(at).subquery()
    still = exists().where(
        qualifying.c.user_id == BadgeAward.user_id,
        qualifying.c.ref_id == BadgeAward.category_id
        if rule.scope == "category"
        else qualifying.c.ref_id == BadgeAward.post_id,
    )
    if rule.scope == "member":
        still = exists().where(qualifying.c.user_id == BadgeAward.user_id)
    return (
        db.session.execute(
            update(BadgeAward)
            .where(BadgeAward.badge == rule.slug, BadgeAward.revoked_at.is_(None), ~still)
            .values(revoked_at=at)
        ).rowcount
        or 0
    )


def _notify_new(rule: BadgeRule, at: datetime, user_ids: list[int] | None = None) -> int:
    """Tell each member about the awards this grant made (streamed, in batches)."""
    query = select(BadgeAward.user_id).where(
        BadgeAward.badge == rule.slug, BadgeAward.awarded_at == at
    )
    if user_ids is not None:
        query = query.where(BadgeAward.user_id.in_(user_ids))
    url = path_for("badges.badge", slug=rule.slug)
    return notify_selected(query, "badges.awarded", url, NOTIFY_BATCH, badge=rule.slug)


def check(hook: str, user_ids: Iterable[int], at: datetime | None = None) -> int:
    """Instant badges: evaluate the rules that react to ``hook`` for these members only."""
    ids = sorted(set(user_ids))
    at = at or now_utc()
    granted = 0
    for rule in rules_for(hook):
        if rule.query is None:
            continue
        new = _grant_from_query(rule, at, ids)
        if new:
            _notify_new(rule, at, ids)
            granted += new
    return granted


def sweep(at: datetime | None = None, *, history: bool = False) -> dict[str, int]:
    """Every query rule for every member (the daily backfill), plus revocations.

    ``history`` (the rebuild after an import): the new holders are not told, and each
    award is dated when the history earned it."""
    at = at or now_utc()
    figures = {"granted": 0, "revoked": 0}
    notify = not history
    for rule in swept_rules():
        new = _grant_from_query(rule, at, None, dated=history)
        if new and notify:
            _notify_new(rule, at)
        figures["granted"] += new
        if rule.revocable:
            figures["revoked"] += _revoke_unqualified(rule, at)
    return figures


def grant(
    user_id: int,
    slug: str,
    *,
    reason: dict[str, Any] | None = None,
    ref_id: int | None = None,
    at: datetime | None = None,
) -> BadgeAward | None:
    """Grant a badge by code (slots such as Ambassador); None if already held."""
    rule = BY_SLUG[slug]
    at = at or now_utc()
    key = award_key(slug, user_id, ref_id if rule.repeatable else None)
    existing = db.session.scalar(select(BadgeAward).where(BadgeAward.award_key == key))
    if existing is not None:
        if existing.revoked_at is None:
            return None
        existing.revoked_at = None
        existing.awarded_at = at
        award = existing
    else:
        statement = (
            insert_for(BadgeAward)
            .values(
                user_id=user_id,
                badge=slug,
                award_key=key,
                awarded_at=at,
                reason=reason or {},
                **_ref_columns(rule, ref_id),
            )
            .on_conflict_do_nothing(index_elements=["award_key"])
        )
        if not db.session.execute(statement).rowcount:
            return None
        award = db.session.scalars(select(BadgeAward).where(BadgeAward.award_key == key)).one()
    notify([user_id], "badges.awarded", path_for("badges.badge", slug=slug), badge=slug)
    return award


def revoke(user_id: int, slug: str, ref_id: int | None = None, at: datetime | None = None) -> bool:
    rule = BY_SLUG[slug]
    key = award_key(slug, user_id, ref_id if rule.repeatable else None)
    return bool(
        db.session.execute(
            update(BadgeAward)
            .where(and_(BadgeAward.award_key == key, BadgeAward.revoked_at.is_(None)))
            .values(revoked_at=at or now_utc())
        ).rowcount
    )


def grant_to_members(slug: str, user_ids: Select[Any], at: datetime) -> int:
    """Grant a badge by code to every member ``user_ids`` selects, in one statement;
    a revoked award comes back. Notifies the new holders; returns how many."""
    rule = BY_SLUG[slug]
    members = user_ids.subquery()
    user_id = members.c.user_id
    columns = {
        "user_id": user_id,
        "badge": literal(slug),
        "award_key": literal(f"{slug}:") + cast(user_id, String),
        "awarded_at": literal(at, BadgeAward.awarded_at.type),
    }
    # SQLite needs a WHERE in INSERT ... SELECT ... ON CONFLICT to parse it unambiguously.
    source = select(*columns.values()).where(text("1 = 1"))
    statement = (
        insert_for(BadgeAward)
        .from_select(list(columns), source)
        .on_conflict_do_update(
            index_elements=["award_key"],
            set_={"revoked_at": None, "awarded_at": at},
            where=BadgeAward.revoked_at.is_not(None),
        )
    )
    granted = db.session.execute(statement).rowcount or 0
    if granted:
        _notify_new(rule, at)
    return granted


def revoke_from_members(slug: str, user_ids: Select[Any], at: datetime) -> int:
    """Take a badge back from every member ``user_ids`` selects; returns how many."""
    return (
        db.session.execute(
            update(BadgeAward)
            .where(
                BadgeAward.badge == slug,
                BadgeAward.revoked_at.is_(None),
                BadgeAward.user_id.in_(user_ids),
            )
            .values(revoked_at=at)
        ).rowcount
        or 0
    )


# Hooks called by the listeners, naming who an event may have earned a badge.


def after_post(author_id: int, post_id: int, topic_id: int, **_: Any) -> None:
    from app.forum.models import Topic

    asker = db.session.scalar(select(Topic.author_id).where(Topic.id == topic_id))
    check("post", [author_id] + ([asker] if asker else []))


def after_vote(voter_id: int, author_id: int, post_id: int) -> None:
    check("vote", [voter_id, author_id])


def after_accept(answer_author_id: int, accepter_id: int, post_id: int, topic_id: int) -> None:
    check("accept", [answer_author_id, accepter_id])


def after_edit(editor_id: int, post_id: int) -> None:
    check("edit", [editor_id])


def after_flags_upheld(flagger_id: int, upheld_total: int) -> None:
    from app.badges.catalogue import FLAG_THRESHOLDS

    for slug, threshold in FLAG_THRESHOLDS:
        if upheld_total >= threshold:
            grant(flagger_id, slug, reason={"flags_upheld": upheld_total})
