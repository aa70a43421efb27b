"""A small community whose health figures are known, at fixed dates (Europe/Paris).

June 2026 (local), all in the category Help unless said:
- ana asks Q1 (2 June 10:00 UTC); bob (a member) answers an hour later; ana accepts it.
- ana asks Q2 (3 June); hel (a helper: helper grants) answers three hours later.
- ana asks Q3 (4 June); ana replies to herself after 30 minutes (not an answer); sam
  (brand staff) answers five hours after the question.
- ana asks Q4 (5 June); sam's reply is hidden (6 June): Q4 stays unanswered.
- two flags on bob's answer (6 and 7 June), the first reviewed two hours later.
- a warning given to bob (9 June).
- bob starts a discussion in Other on 30 June 22:30 UTC: 1 July 00:30 in Paris, July's.
Members who joined in June: ana (1 June), bob (1 June), quiet (10 June, never posts);
hel and sam joined in 2023, before the kept history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from app.accounts.models import User
from app.ambassadors.services import SOURCE
from app.core.events import commit
from app.core.permissions import HELPER_CAPABILITIES, grant
from app.extensions import db
from app.forum import services as forum_services
from app.forum.categories import create_category
from app.forum.models import Post, Topic
from app.forum.solutions import accept_answer
from app.moderation.models import Flag, Sanction

AS_OF = datetime(2026, 7, 8, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def stamp_post(post: Post, moment: datetime) -> None:
    db.session.execute(update(Post).where(Post.id == post.id).values(created_at=moment))


def stamp_topic(topic: Topic, moment: datetime) -> None:
    db.session.execute(update(Topic).where(Topic.id == topic.id).values(created_at=moment))
    db.session.execute(
        update(Post).where(Post.topic_id == topic.id, Post.position == 0).values(created_at=moment)
    )


def joined(user: User, moment: datetime) -> None:
    db.session.execute(update(User).where(User.id == user.id).values(created_at=moment))


@dataclass
class Community:
    help: Any
    other: Any
    ana: User
    bob: User
    hel: User
    sam: User
    questions: list[Topic]


@pytest.fixture
def community(app, make_user, category) -> Community:
    other = create_category("Other", "other")
    ana, bob, hel = make_user("ana"), make_user("bob"), make_user("hel")
    sam, quiet = make_user("sam", role="staff"), make_user("quiet")
    mod = make_user("moe", role="moderator")
    for capability in HELPER_CAPABILITIES:
        grant(hel.id, capability, SOURCE)
    joined(ana, at(1, 8))
    joined(bob, at(1, 9))
    joined(quiet, at(10))
    for user in (hel, sam, mod):
        joined(user, datetime(2023, 1, 1, tzinfo=UTC))

    def ask(day: int, title: str) -> Topic:
        topic = forum_services.create_topic(ana, category, title=title, body="It beeps.")
        stamp_topic(topic, at(day))
        return topic

    def answer(author: User, topic: Topic, moment: datetime) -> Post:
        post = forum_services.reply(author, topic, body="Try this.")
        stamp_post(post, moment)
        return post

    q1, q2, q3, q4 = (ask(day, f"Question {day}") for day in (2, 3, 4, 5))
    bob_answer = answer(bob, q1, at(2, 11))
    accept_answer(ana, q1, bob_answer)
    answer(hel, q2, at(3, 13))
    answer(ana, q3, at(4, 10, 30))
    answer(sam, q3, at(4, 15))
    hidden = answer(sam, q4, at(6, 9))
    db.session.execute(
        update(Post).where(Post.id == hidden.id).values(hidden_at=at(6, 10), hidden_reason="x")
    )
    db.session.add_all(
        [
            Flag(
                post_id=bob_answer.id,
                flagger_id=hel.id,
                reason="spam",
                created_at=at(6),
                status="upheld",
                resolved_by_id=mod.id,
                resolved_at=at(6, 12),
            ),
            Flag(post_id=bob_answer.id, flagger_id=sam.id, reason="spam", created_at=at(7)),
            Sanction(
                user_id=bob.id, kind="warn", moderator_id=mod.id, reason="Be kind", created_at=at(9)
            ),
        ]
    )
    discussion = forum_services.create_topic(
        bob, other, title="Hello", body="Hi", kind="discussion"
    )
    stamp_topic(discussion, at(30, 22, 30))
    commit()
    return Community(category, other, ana, bob, hel, sam, [q1, q2, q3, q4])
