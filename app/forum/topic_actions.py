"""What moderators and helpers do to a topic: move, retag, lock, pin, close as duplicate.

Each action checks its capability, changes the topic, bumps its revision (the page
shows the change) and queues ``topic_changed`` with before and after, from which the
moderation package writes the audit log. Callers commit.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.core import events
from app.core.clock import now_utc
from app.core.event_payloads import TopicChanged
from app.extensions import db
from app.forum.categories import refuse_archived
from app.forum.errors import Forbidden, ForumError, NotFound
from app.forum.models import Category, Topic
from app.forum.services import can_see_category
from app.forum.tags import parse_tags, tags_by_name
from app.forum.topic_state import change_category, touch_topic

REASON_MAX_LENGTH = 300
# Any of these opens the "manage topic" page; each form shows only with its own capability.
MANAGE_CAPABILITIES = (
    "topic.move",
    "topic.retag",
    "topic.lock",
    "topic.pin",
    "topic.close_duplicate",
    "topic.merge",
)


def may_manage(user: Any) -> bool:
    """Whether the member may open a topic's "manage topic" page."""
    return any(user.can(capability) for capability in MANAGE_CAPABILITIES)


def _require(actor: User, capability: str) -> None:
    if not actor.can(capability):
        raise Forbidden(_l("You are not allowed to do that."))


def _changed(actor: User, topic: Topic, action: str, before: dict, after: dict, reason: str):
    touch_topic(topic.id)
    db.session.flush()
    events.queue(
        TopicChanged(
            topic_id=topic.id,
            actor_id=actor.id,
            author_id=topic.author_id,
            action=action,
            before=before,
            after=after,
            reason=reason.strip()[:REASON_MAX_LENGTH],
            changed_at=now_utc(),
        )
    )


def _live(topic: Topic) -> None:
    if topic.deleted_at is not None:
        raise NotFound()


def move_topic(actor: User, topic: Topic, category: Category, reason: str = "") -> bool:
    """Move a topic (its posts go with it); False if it is already there."""
    _require(actor, "topic.move")
    _live(topic)
    if not can_see_category(actor, category):
        raise ForumError(_l("Unknown category."), field="category")
    if category.id == topic.category_id:
        return False
    refuse_archived(category)
    posts = topic.reply_count + 1
    old_id = topic.category_id
    touch_topic(topic.id)  # the topic's row first, then categories in order (deadlocks)
    for category_id, sign in sorted(((old_id, -1), (category.id, 1))):
        change_category(
            category_id,
            topic_count=Category.topic_count + sign,
            post_count=Category.post_count + sign * posts,
        )
    topic.category_id = category.id
    _changed(actor, topic, "move", {"category_id": old_id}, {"category_id": category.id}, reason)
    return True


def retag_topic(actor: User, topic: Topic, tags: str, reason: str = "") -> bool:
    """Replace a topic's tags (its author may too); False if nothing changed."""
    if actor.id != topic.author_id:
        _require(actor, "topic.retag")
    _live(topic)
    names = parse_tags(tags)
    before = sorted(tag.name for tag in topic.tags)
    if sorted(names) == before:
        return False
    topic.tags = tags_by_name(names)
    _changed(actor, topic, "retag", {"tags": before}, {"tags": sorted(names)}, reason)
    return True


def _set_flag(actor: User, topic: Topic, field: str, value: bool, reason: str) -> bool:
    _require(actor, "topic.lock" if field == "locked" else "topic.pin")
    _live(topic)
    if getattr(topic, field) == value:
        return False
    setattr(topic, field, value)
    action = {("locked", True): "lock", ("locked", False): "unlock",
              ("pinned", True): "pin", ("pinned", False): "unpin"}[(field, value)]  # fmt: skip
    _changed(actor, topic, action, {field: not value}, {field: value}, reason)
    return True


def lock_topic(actor: User, topic: Topic, reason: str = "") -> bool:
    return _set_flag(actor, topic, "locked", True, reason)


def unlock_topic(actor: User, topic: Topic, reason: str = "") -> bool:
    if topic.duplicate_of_id is not None:
        raise ForumError(_l("Reopen the duplicate instead."))
    return _set_flag(actor, topic, "locked", False, reason)


def pin_topic(actor: User, topic: Topic, reason: str = "") -> bool:
    return _set_flag(actor, topic, "pinned", True, reason)


def unpin_topic(actor: User, topic: Topic, reason: str = "") -> bool:
    return _set_flag(actor, topic, "pinned", False, reason)


def close_as_duplicate(actor: User, topic: Topic, original: Topic | None, reason: str = "") -> None:
    """Close (lock) a topic pointing its readers to the original one."""
    _require(actor, "topic.close_duplicate")
    _live(topic)
    if original is None or original.deleted_at is not None:
        raise ForumError(_l("No such topic."), field="original")
    if original.id == topic.id:
        raise ForumError(_l("A topic cannot duplicate itself."), field="original")
    if original.duplicate_of_id is not None:
        raise ForumError(_l("That topic is itself closed as a duplicate."), field="original")
    category = db.session.get(Category, original.category_id)
    if category is None or not can_see_category(actor, category):
        raise ForumError(_l("No such topic."), field="original")
    if topic.duplicate_of_id == original.id:
        return
    before: dict[str, Any] = {"duplicate_of_id": topic.duplicate_of_id, "locked": topic.locked}
    topic.duplicate_of_id, topic.locked = original.id, True
    after = {"duplicate_of_id": original.id, "locked": True}
    _changed(actor, topic, "close_duplicate", before, after, reason)


def reopen_duplicate(actor: User, topic: Topic, reason: str = "") -> bool:
    """Undo a duplicate closing (moderators, or helpers who may close duplicates)."""
    _require(actor, "topic.close_duplicate")
    if topic.duplicate_of_id is None:
        return False
    before = {"duplicate_of_id": topic.duplicate_of_id, "locked": topic.locked}
    topic.duplicate_of_id, topic.locked = None, False
    _changed(actor, topic, "reopen", before, {"duplicate_of_id": None, "locked": False}, reason)
    return True
