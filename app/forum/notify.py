"""Forum notifications: replies and answers to followers, mentions, accepted answers, edits.

They react to the forum's own events, so they run after the change is committed.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.accounts.models import User
from app.core import events
from app.core.events import commit
from app.core.notifications import notify, register_kind
from app.core.urls import path_for
from app.extensions import db
from app.forum.models import Topic
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
        notify([topic.author_id], "forum.answer", url, **data)
    notify(followers, "forum.reply", url, **data)
    notify(mentioned, "forum.mention", url, **data)
    commit()


def on_topic_created(sender: str, **p: Any) -> None:
    mentioned = [uid for uid in p["mentioned_user_ids"] if uid != p["author_id"]]
    found = _context(p["topic_id"], p["author_id"]) if mentioned else None
    if found is None:
        return
    topic, actor = found
    url = path_for("forum.post", post_id=p["post_id"])
    notify(mentioned, "forum.mention", url, actor=actor, title=topic.title)
    commit()


def on_answer_accepted(sender: str, **p: Any) -> None:
    if p["answer_author_id"] == p["accepted_by_id"]:
        return
    found = _context(p["topic_id"], p["accepted_by_id"])
    if found is None:
        return
    topic, actor = found
    url = path_for("forum.post", post_id=p["post_id"])
    notify([p["answer_author_id"]], "forum.accepted", url, actor=actor, title=topic.title)
    commit()


def on_post_edited(sender: str, **p: Any) -> None:
    if p["author_id"] == p["editor_id"]:
        return
    found = _context(p["topic_id"], p["editor_id"])
    if found is None:
        return
    topic, actor = found
    url = path_for("forum.post", post_id=p["post_id"])
    notify([p["author_id"]], "forum.edited", url, actor=actor, title=topic.title)
    commit()


def init_app() -> None:
    for kind, render in KINDS.items():
        register_kind(kind, render)
    events.post_created.connect(on_post_created, weak=False)
    events.topic_created.connect(on_topic_created, weak=False)
    events.answer_accepted.connect(on_answer_accepted, weak=False)
    events.post_edited.connect(on_post_edited, weak=False)
