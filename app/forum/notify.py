"""Forum notifications: replies and answers to followers, mentions, accepted answers, edits.

They react to the forum's own events, in the transaction of the change (a notification is
stored with what it tells of, or not at all).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.accounts.models import User
from app.core import events
from app.core.clock import now_utc
from app.core.notifications import notify, register_kind
from app.core.permissions import ROLE_CAPABILITIES, CapabilityGrant
from app.core.urls import path_for
from app.extensions import db
from app.forum.models import Category, Topic
from app.forum.queries import follower_ids


def _names(data: dict[str, Any]) -> dict[str, str]:
    return {"actor": data.get("actor", "?"), "title": data.get("title", "")}


KINDS = {
    "forum.reply": lambda d: _("%(actor)s replied in “%(title)s”", **_names(d)),
    "forum.answer": lambda d: _("%(actor)s answered your question “%(title)s”", **_names(d)),
    "forum.mention": lambda d: _("%(actor)s mentioned you in “%(title)s”", **_names(d)),
    "forum.accepted": lambda d: _(
        "%(actor)s marked your answer as the solution of “%(title)s”", **_names(d)
    ),
    "forum.edited": lambda d: _("%(actor)s edited your post in “%(title)s”", **_names(d)),
}


def _context(topic_id: int, actor_id: int) -> tuple[Topic, str] | None:
    topic = db.session.get(Topic, topic_id)
    actor = db.session.get(User, actor_id)
    if topic is None or actor is None:
        return None
    return topic, actor.username


def _readers(topic: Topic, user_ids: list[int]) -> list[int]:
    """Those of ``user_ids`` who may read the topic: a notification shows its title."""
    category = db.session.get(Category, topic.category_id)
    capability = category.required_capability if category else None
    if capability is None or not user_ids:
        return user_ids
    roles = [role for role, held in ROLE_CAPABILITIES.items() if capability in held]
    granted = (
        select(CapabilityGrant.id)
        .where(
            CapabilityGrant.user_id == User.id,
            CapabilityGrant.capability == capability,
            or_(CapabilityGrant.expires_at.is_(None), CapabilityGrant.expires_at > now_utc()),
        )
        .exists()
    )
    allowed = set(
        db.session.scalars(
            select(User.id).where(User.id.in_(user_ids), or_(User.role.in_(roles), granted))
        )
    )
    return [uid for uid in user_ids if uid in allowed]


def _send(topic: Topic, user_ids: list[int], kind: str, url: str, **data: Any) -> None:
    notify(_readers(topic, user_ids), kind, url, **data)


def on_post_created(sender: str, **p: Any) -> None:
    found = _context(p["topic_id"], p["author_id"])
    if found is None:
        return
    topic, actor = found
    url = path_for("forum.post", post_id=p["post_id"])
    data = {"actor": actor, "title": topic.title}
    mentioned = [uid for uid in p["mentioned_user_ids"] if uid != p["author_id"]]
    followers = [uid for uid in follower_ids(topic.id, p["author_id"]) if uid not in mentioned]
    if p["topic_kind"] == "question" and topic.author_id in followers:
        followers.remove(topic.author_id)
        _send(topic, [topic.author_id], "forum.answer", url, **data)
    _send(topic, followers, "forum.reply", url, **data)
    _send(topic, mentioned, "forum.mention", url, **data)


def on_topic_created(sender: str, **p: Any) -> None:
    mentioned = [uid for uid in p["mentioned_user_ids"] if uid != p["author_id"]]
    found = _context(p["topic_id"], p["author_id"]) if mentioned else None
    if found is None:
        return
    topic, actor = found
    url = path_for("forum.post", post_id=p["post_id"])
    _send(topic, mentioned, "forum.mention", url, actor=actor, title=topic.title)


def on_answer_accepted(sender: str, **p: Any) -> None:
    if p["answer_author_id"] == p["accepted_by_id"]:
        return
    found = _context(p["topic_id"], p["accepted_by_id"])
    if found is None:
        return
    topic, actor = found
    url = path_for("forum.post", post_id=p["post_id"])
    _send(topic, [p["answer_author_id"]], "forum.accepted", url, actor=actor, title=topic.title)


def on_post_edited(sender: str, **p: Any) -> None:
    if p["author_id"] == p["editor_id"]:
        return
    found = _context(p["topic_id"], p["editor_id"])
    if found is None:
        return
    topic, actor = found
    url = path_for("forum.post", post_id=p["post_id"])
    _send(topic, [p["author_id"]], "forum.edited", url, actor=actor, title=topic.title)


def init_app() -> None:
    for kind, render in KINDS.items():
        register_kind(kind, render)
    events.handle_in_transaction(events.post_created, on_post_created)
    events.handle_in_transaction(events.topic_created, on_topic_created)
    events.handle_in_transaction(events.answer_accepted, on_answer_accepted)
    events.handle_in_transaction(events.post_edited, on_post_edited)
