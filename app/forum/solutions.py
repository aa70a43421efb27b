"""A question's solution: who may choose it, accepting and unaccepting an answer.

Callers commit with app.core.events.commit().
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.core import events
from app.core.clock import now_utc
from app.core.event_payloads import AnswerAccepted
from app.extensions import db
from app.forum.errors import Forbidden, ForumError, NotFound
from app.forum.models import Post, Topic
from app.forum.topic_state import clear_solution, lock_topic, touch_topic


def is_stale_question(topic: Any, at: datetime | None = None) -> bool:
    """An unsolved question asked STALE_QUESTION_DAYS ago or more: helpers may solve it."""
    days = current_app.config["STALE_QUESTION_DAYS"]
    created = getattr(topic, "created_at", None)
    return (
        topic.is_question
        and topic.accepted_post_id is None
        and created is not None
        and created <= (at or now_utc()) - timedelta(days=days)
    )


def may_choose_solution(actor: User, topic: Any) -> bool:
    """The asker and moderators always; helpers on a question left unsolved."""
    if actor.id == topic.author_id or actor.can("answer.accept_any"):
        return True
    return actor.can("answer.accept_stale") and is_stale_question(topic)


def _check_can_accept(actor: User, topic: Topic) -> None:
    if not topic.is_question:
        raise ForumError(_l("Only questions have a solution."))
    if topic.deleted_at is not None:
        raise NotFound()
    if not may_choose_solution(actor, topic):
        raise Forbidden(_l("Only the member who asked can choose the solution."))


def accept_answer(actor: User, topic: Topic, post: Post) -> None:
    """Mark ``post`` as the solution of ``topic``, replacing any earlier one.

    Accepting twice at once (a double click) is one acceptance: the topic is locked,
    so the second request finds the answer already chosen.
    """
    lock_topic(topic)
    _check_can_accept(actor, topic)
    if post.topic_id != topic.id or post.is_opening_post or post.deleted_at is not None:
        raise ForumError(_l("That answer is not part of this question."))
    own_answer = post.author_id == actor.id and actor.id != topic.author_id
    if own_answer and not actor.can("answer.accept_any"):
        raise Forbidden(_l("Helpers cannot choose their own answer as the solution."))
    if topic.accepted_post_id == post.id:
        return
    previous_id = topic.accepted_post_id
    clear_solution(topic, actor)
    topic.accepted_post_id = post.id
    touch_topic(topic.id)
    db.session.flush()
    db.session.refresh(topic, ["revision"])
    events.queue(
        AnswerAccepted(
            topic_id=topic.id,
            post_id=post.id,
            answer_author_id=post.author_id,
            accepted_by_id=actor.id,
            question_author_id=topic.author_id,
            previous_post_id=previous_id,
            topic_revision=topic.revision,
            accepted_at=now_utc(),
        )
    )


def unaccept_answer(actor: User, topic: Topic) -> None:
    lock_topic(topic)
    _check_can_accept(actor, topic)
    clear_solution(topic, actor)
    touch_topic(topic.id)
    db.session.flush()
