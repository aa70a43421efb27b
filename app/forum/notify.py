"""Forum notifications: replies and answers to followers, mentions, accepted answers, edits.

They react to the forum's own events, in the transaction of the change (a notification is
stored with what it tells of, or not at all).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from app.accounts.models import User
from app.core import events
from app.core.event_payloads import AnswerAccepted, PostCreated, PostEdited, TopicCreated
from app.core.notifications import (
    EmailKind,
    Notification,
    notify,
    register_email_kind,
    register_kind,
    register_unreadable_check,
)
from app.core.urls import path_for
from app.extensions import db
from app.forum import visibility
from app.forum.following import follower_ids
from app.forum.models import Topic


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


# What members may receive by email, and how by default: what waits for them (an answer
# to their question, a mention, their answer accepted) at once; the replies of every
# topic they follow (many, and automatic on posting) in the daily digest. Edits are
# not mailed: the post is the member's own, they see the change when they next look.
EMAIL_KINDS = (
    EmailKind("answers", ("forum.answer",), _l("Answers to my questions"), "immediate", 10),
    EmailKind("replies", ("forum.reply",), _l("Replies in topics I follow"), "digest", 20),
    EmailKind("mentions", ("forum.mention",), _l("Mentions of me"), "immediate", 30),
    EmailKind("accepted", ("forum.accepted",), _l("My answer accepted"), "immediate", 40),
)


def _context(topic_id: int, actor_id: int) -> tuple[Topic, str] | None:
    topic = db.session.get(Topic, topic_id)
    actor = db.session.get(User, actor_id)
    if topic is None or actor is None:
        return None
    return topic, actor.username


def _send(topic: Topic, user_ids: list[int], kind: str, url: str, **data: Any) -> None:
    """Notify those of ``user_ids`` who may read the topic: the wording names it."""
    notify(visibility.readers_among(topic, user_ids), kind, url, **data)


def _forum_target(url: str) -> tuple[str, int] | None:
    """("post", id) or ("topic", id) when a notification links to a post or a topic."""
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, values = adapter.match(urlsplit(url).path, method="GET")
    except HTTPException:
        return None
    if endpoint == "forum.post":
        return "post", values["post_id"]
    if endpoint == "forum.topic":
        return "topic", values["topic_id"]
    return None


def unreadable(user: Any, items: list[Notification]) -> set[int]:
    """Notifications linking into a topic the reader may not read now (moved into the
    lounge since, a lounge they left, deleted or hidden): two statements at most."""
    targets = {item.id: _forum_target(item.url) for item in items}
    wanted: dict[str, list[int]] = {"post": [], "topic": []}
    for target in targets.values():
        if target is not None:
            wanted[target[0]].append(target[1])
    readable = {
        "post": visibility.posts_in_readable_topics(user, wanted["post"]),
        "topic": visibility.readable_topic_ids(user, wanted["topic"]),
    }
    return {
        item_id
        for item_id, target in targets.items()
        if target is not None and target[1] not in readable[target[0]]
    }


def on_post_created(p: PostCreated) -> None:
    found = _context(p.topic_id, p.author_id)
    if found is None:
        return
    topic, actor = found
    url = path_for("forum.post", post_id=p.post_id)
    data = {"actor": actor, "title": topic.title}
    mentioned = [uid for uid in p.mentioned_user_ids if uid != p.author_id]
    followers = [uid for uid in follower_ids(topic.id, p.author_id) if uid not in mentioned]
    if p.topic_kind == "question" and topic.author_id in followers:
        followers.remove(topic.author_id)
        _send(topic, [topic.author_id], "forum.answer", url, **data)
    _send(topic, followers, "forum.reply", url, **data)
    _send(topic, mentioned, "forum.mention", url, **data)


def on_topic_created(p: TopicCreated) -> None:
    mentioned = [uid for uid in p.mentioned_user_ids if uid != p.author_id]
    found = _context(p.topic_id, p.author_id) if mentioned else None
    if found is None:
        return
    topic, actor = found
    url = path_for("forum.post", post_id=p.post_id)
    _send(topic, mentioned, "forum.mention", url, actor=actor, title=topic.title)


def on_answer_accepted(p: AnswerAccepted) -> None:
    if p.answer_author_id == p.accepted_by_id:
        return
    found = _context(p.topic_id, p.accepted_by_id)
    if found is None:
        return
    topic, actor = found
    url = path_for("forum.post", post_id=p.post_id)
    _send(topic, [p.answer_author_id], "forum.accepted", url, actor=actor, title=topic.title)


def on_post_edited(p: PostEdited) -> None:
    if p.author_id == p.editor_id:
        return
    found = _context(p.topic_id, p.editor_id)
    if found is None:
        return
    topic, actor = found
    url = path_for("forum.post", post_id=p.post_id)
    _send(topic, [p.author_id], "forum.edited", url, actor=actor, title=topic.title)


def init_app(app: Flask) -> None:
    for kind, render in KINDS.items():
        register_kind(app, kind, render)
    register_unreadable_check(app, unreadable)
    for email_kind in EMAIL_KINDS:
        register_email_kind(app, email_kind)
    events.handle_in_transaction(app, PostCreated, on_post_created)
    events.handle_in_transaction(app, TopicCreated, on_topic_created)
    events.handle_in_transaction(app, AnswerAccepted, on_answer_accepted)
    events.handle_in_transaction(app, PostEdited, on_post_edited)
