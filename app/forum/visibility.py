"""Who may read what: the one rule behind every page that shows or names a topic.

A category restricted to a capability (the ambassadors' lounge, ``category.lounge``; a
campaign's private space, ``space.campaign.12``, of a capability family) is read only
by members holding it; a deleted topic, or one whose opening post is hidden
(flags, a first post held for review), only by those who see deleted posts
(``post.view_deleted``). Pages that show a topic answer 404 to everyone else; pages that
only name one (a duplicate's original, a notification, a profile's recent posts, search
results, the managers' queues) leave it out, or name it without its title, for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.permissions import CAPABILITIES, FAMILIES, CapabilityGrant, is_reading, roles_holding
from app.extensions import db
from app.forum.models import Category, Post, Topic


def _member(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def can_read(user: Any, required_capability: str | None) -> bool:
    """Whether a member (or a visitor: None or anonymous) may read a category needing this
    capability (None: everyone)."""
    if required_capability is None:
        return True
    return _member(user) and user.can(required_capability)


def sees_hidden(user: Any) -> bool:
    """Whether the reader sees deleted and hidden posts and topics (moderators)."""
    return _member(user) and user.can("post.view_deleted")


def may_read(user: Any, required_capability: str | None, *, gone: bool = False) -> bool:
    """Whether the reader may read a topic in a category needing ``required_capability``;
    ``gone``: the topic is deleted or its opening post hidden."""
    return can_read(user, required_capability) and (not gone or sees_hidden(user))


def category_clause(user: Any) -> Any:
    """SQL condition on Category: the categories this reader may see.

    Private spaces (capability families, ``space.campaign.12``) are seen by the roles that
    hold the whole family and by members granted one of them; the member's grants were
    read with the member (the user loader), so this adds no query."""
    if not _member(user):
        return Category.required_capability.is_(None)
    held = [c for c in CAPABILITIES if user.can(c)]
    conditions = [Category.required_capability.is_(None)]
    for family in FAMILIES:
        if user.role in family.roles and (family.reading or not user.is_suspended()):
            every = Category.required_capability.startswith(family.prefix, autoescape=True)
            conditions.append(every)
        else:
            held.extend(sorted(user.granted_in(family)))
    conditions.append(Category.required_capability.in_(held))
    return or_(*conditions)


def hidden_opening(topic: Any = Topic) -> Any:
    """SQL condition: the topic's opening post is hidden (flags, held for review)."""
    opening = aliased(Post)  # not the outer query's posts, when it has some
    return (
        exists()
        .where(opening.topic_id == topic.id, opening.position == 0, opening.hidden_at.is_not(None))
        .correlate(topic)
    )


def topic_clause(user: Any) -> Any:
    """SQL condition on Topic and Category (joined on Topic.category_id): the topics this
    reader may read."""
    if sees_hidden(user):
        return category_clause(user)
    return category_clause(user) & Topic.deleted_at.is_(None) & ~hidden_opening()


def post_clause(user: Any) -> Any:
    """SQL condition on Post, Topic and Category (joined): the posts this reader may read."""
    if sees_hidden(user):
        return topic_clause(user)
    return topic_clause(user) & Post.deleted_at.is_(None) & Post.hidden_at.is_(None)


def readable_topic(user: Any, topic_id: int) -> tuple[Topic, Post] | None:
    """The topic and its opening post (with its category, tags and the post's author), if
    the reader may read it: its category, and only for those who see hidden posts when it
    is deleted or its opening post hidden. None: no such topic, or not for this reader."""
    row = db.session.execute(
        select(Topic, Post)
        .join(Post, and_(Post.topic_id == Topic.id, Post.position == 0))
        .where(Topic.id == topic_id)
        .options(
            joinedload(Topic.category),
            joinedload(Post.author),
            selectinload(Topic.tags),
        )
    ).first()
    if row is None:
        return None
    topic, opening = row[0], row[1]
    gone = topic.deleted_at is not None or opening.hidden_at is not None
    if not may_read(user, topic.category.required_capability, gone=gone):
        return None
    return topic, opening


def can_read_topic(user: Any, topic_id: int) -> bool:
    """Whether the reader may read this topic (one indexed statement)."""
    found = db.session.scalar(
        select(Topic.id)
        .join(Category, Category.id == Topic.category_id)
        .where(Topic.id == topic_id, topic_clause(user))
    )
    return found is not None


def posts_in_readable_topics(user: Any, post_ids: Iterable[int]) -> set[int]:
    """Those of ``post_ids`` whose topic the reader may read (as it stands now: a topic
    moved into the lounge, deleted or hidden since is no longer readable)."""
    wanted = sorted(set(post_ids))
    if not wanted:
        return set()
    return set(
        db.session.scalars(
            select(Post.id)
            .join(Topic, Topic.id == Post.topic_id)
            .join(Category, Category.id == Topic.category_id)
            .where(Post.id.in_(wanted), topic_clause(user))
        )
    )


def readable_topic_ids(user: Any, topic_ids: Iterable[int]) -> set[int]:
    """Those of ``topic_ids`` the reader may read."""
    wanted = sorted(set(topic_ids))
    if not wanted:
        return set()
    return set(
        db.session.scalars(
            select(Topic.id)
            .join(Category, Category.id == Topic.category_id)
            .where(Topic.id.in_(wanted), topic_clause(user))
        )
    )


def _holders(capability: str) -> Any:
    """SQL condition on User: holds ``capability`` now, by role or by an active grant
    (what User.can says, for many members at once)."""
    roles = roles_holding(capability)
    granted = (
        select(CapabilityGrant.id)
        .where(
            CapabilityGrant.user_id == User.id,
            CapabilityGrant.capability == capability,
            or_(CapabilityGrant.expires_at.is_(None), CapabilityGrant.expires_at > now_utc()),
        )
        .exists()
    )
    holds = or_(User.role.in_(roles), granted)
    if is_reading(capability):
        return holds  # suspended members keep what lets them read
    return holds & or_(User.suspended_until.is_(None), User.suspended_until <= now_utc())


def readers_among(topic: Topic, user_ids: list[int]) -> list[int]:
    """Those of ``user_ids`` who may read ``topic`` (in order): whom a notification that
    names it may reach."""
    if not user_ids:
        return user_ids
    category = db.session.get(Category, topic.category_id)
    capability = category.required_capability if category else None
    opening_hidden = db.session.scalar(
        select(Post.hidden_at.is_not(None)).where(Post.topic_id == topic.id, Post.position == 0)
    )
    gone = topic.deleted_at is not None or bool(opening_hidden)
    conditions = [_holders(capability)] if capability else []
    if gone:
        conditions.append(_holders("post.view_deleted"))
    if not conditions:
        return user_ids
    allowed = set(db.session.scalars(select(User.id).where(User.id.in_(user_ids), *conditions)))
    return [uid for uid in user_ids if uid in allowed]
