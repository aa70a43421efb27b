"""Newcomers' first posts held for review, approved or rejected by moderators and helpers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.badges.models import LedgerEntry
from app.core.events import commit
from app.core.notifications import Notification
from app.core.permissions import grant
from app.extensions import db
from app.forum.models import Post, Topic
from app.moderation.models import AuditEntry


@pytest.fixture
def holding(app):
    app.config["HOLD_FIRST_POSTS"] = True


@pytest.fixture
def reviewer(make_user):
    """A helper: reviews first posts through a grant, as ambassadors do."""
    user = make_user("helper_hana")
    grant(user.id, "post.review_first", "ambassador")
    commit()
    return user


def ledger_actions(user) -> list[str]:
    return list(
        db.session.scalars(select(LedgerEntry.action).where(LedgerEntry.user_id == user.id))
    )


def test_a_newcomers_first_topic_waits_unseen_until_a_helper_approves_it(
    app, holding, login, make_user, reviewer, category, client
):
    newcomer = make_user("newbie")
    page = login(newcomer).post(
        "/new",
        {"category": category.id, "kind": "question", "title": "Buy cheap pods?",
         "body": "Where do I find pods?", "tags": ""},
    )  # fmt: skip
    assert page.status_code == 302 and page.location.endswith("/c/help")
    topic = db.session.scalars(select(Topic)).one()
    assert "Buy cheap pods?" not in client.get("/c/help").get_data(as_text=True)
    assert client.get(f"/t/{topic.id}").status_code == 404
    assert ledger_actions(newcomer) == []  # no points before approval

    queue = login(reviewer).get("/manage/first-posts")
    assert queue.status_code == 200 and "Buy cheap pods?" in queue.get_data(as_text=True)
    opening = db.session.scalars(select(Post).where(Post.topic_id == topic.id)).one()
    login(reviewer).post(f"/manage/first-posts/{opening.id}/approve", {"reason": "Fine"})

    assert client.get(f"/t/{topic.id}").status_code == 200
    assert "Buy cheap pods?" in client.get("/c/help").get_data(as_text=True)
    assert ledger_actions(newcomer) == ["topic_started"]
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_id, entry.reason) == (
        "post.approve_first",
        reviewer.id,
        "Fine",
    )

    # Approved once, the newcomer's next posts appear at once.
    login(newcomer).post(f"/t/{topic.id}/reply", {"body": "Found them, thanks."})
    reply = db.session.scalars(select(Post).where(Post.position == 1)).one()
    assert reply.hidden_at is None


def test_a_rejected_first_reply_is_deleted_and_nobody_is_notified(
    app, login, make_user, member, moderator, make_topic
):
    topic = make_topic(member)  # before holding is turned on: an established member
    app.config["HOLD_FIRST_POSTS"] = True
    newcomer = make_user("spammer")
    answer = login(newcomer).post(f"/t/{topic.id}/reply", {"body": "Cheap watches at example.com"})
    assert answer.status_code == 302
    held = db.session.scalars(select(Post).where(Post.position == 1)).one()
    assert held.hidden_reason == "first_post"
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == member.id))
    assert "forum.answer" not in set(kinds)

    login(moderator).post(f"/manage/first-posts/{held.id}/reject", {"reason": "spam"})
    gone = db.session.get(Post, held.id, populate_existing=True)
    assert gone.deleted_at is not None
    assert db.session.get(Topic, topic.id, populate_existing=True).reply_count == 0
    again = login(moderator).post(f"/manage/first-posts/{held.id}/approve")
    assert again.status_code == 302  # refused with a message, nothing changes
    assert db.session.get(Post, held.id, populate_existing=True).deleted_at is not None
    assert [e.action for e in db.session.scalars(select(AuditEntry))] == ["post.reject_first"]


def test_moderators_and_established_members_are_never_held(
    app, holding, make_user, moderator, make_topic
):
    make_topic(moderator)
    assert db.session.scalars(select(Post)).one().hidden_at is None


def test_only_reviewers_open_the_first_posts_page(app, login, member, client):
    assert client.get("/manage/first-posts").status_code == 302
    assert login(member).get("/manage/first-posts").status_code == 403
