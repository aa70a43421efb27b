"""What an ambassador can do with the helper capabilities the job grants, and loses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.events import commit
from app.core.notifications import Notification
from app.extensions import db
from app.forum import services as forum
from app.forum import solutions, topic_actions
from app.forum.categories import create_category
from app.forum.errors import Forbidden
from app.forum.models import Post, Topic
from app.moderation import services as moderation
from app.moderation.models import AuditEntry


@pytest.fixture
def helper(community, run_identify):
    """A member made ambassador by the nightly job (a fresh copy, grants loaded)."""
    star = community.member("star", answers=4, accepted=2, votes=2)
    run_identify()
    return db.session.get(User, star.id, populate_existing=True)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_helper_edits_others_posts_the_author_is_told_and_it_is_logged(
    app, helper, member, make_topic, make_answer
):
    topic = make_topic(member)
    answer = make_answer(member, topic, body="Use vinegar")
    forum.edit_post(helper, answer, body="Use the descaling tablets, not vinegar.", reason="safety")
    commit()
    assert db.session.get(Post, answer.id, populate_existing=True).edit_count == 1
    told = db.session.scalars(select(Notification.kind).where(Notification.user_id == member.id))
    assert "forum.edited" in set(told)
    assert actions() == ["post.edit"]


def test_a_helper_retags_and_moves_topics(app, helper, member, make_topic):
    lounge_free = create_category("Recipes", "recipes")
    commit()
    topic = make_topic(member, tags="milk")
    topic_actions.retag_topic(helper, topic, "milk, latte")
    topic_actions.move_topic(helper, topic, lounge_free)
    commit()
    assert actions() == ["topic.retag", "topic.move"]
    with pytest.raises(Forbidden):
        topic_actions.lock_topic(helper, topic)  # moderators only


def test_a_helper_solves_a_question_left_unresolved_for_a_week(
    app, helper, member, other_member, make_topic, make_answer
):
    fresh_topic = make_topic(member, title="Asked today")
    answer = make_answer(other_member, fresh_topic)
    with pytest.raises(Forbidden):
        solutions.accept_answer(helper, fresh_topic, answer)
    db.session.rollback()

    stale = make_topic(member, title="Asked last month")
    stale.created_at = stale.created_at - timedelta(days=8)
    commit()
    good = make_answer(other_member, stale)
    own = make_answer(helper, stale)
    with pytest.raises(Forbidden):
        solutions.accept_answer(helper, stale, own)  # not one's own answer
    db.session.rollback()
    stale = db.session.get(Topic, stale.id)
    solutions.accept_answer(helper, stale, good)
    commit()
    assert db.session.get(Topic, stale.id, populate_existing=True).accepted_post_id == good.id
    assert actions() == ["answer.accept"]


def test_one_spam_flag_from_a_helper_hides_the_post_and_a_moderator_can_restore_it(
    app, helper, member, moderator, make_topic, make_answer
):
    topic = make_topic(member)
    spam = make_answer(member, topic, body="Cheap watches here")
    moderation.flag_post(helper, spam, "spam")
    commit()
    post = db.session.get(Post, spam.id, populate_existing=True)
    assert post.hidden_at is not None and post.hidden_reason == "helper_spam"
    moderation.approve_post(moderator, post, "Not spam: a real offer from our shop")
    commit()
    assert db.session.get(Post, spam.id, populate_existing=True).hidden_at is None
    assert actions() == ["flag.create", "post.auto_hide", "post.approve"]

    other = make_answer(member, topic, body="Off topic chatter")
    moderation.flag_post(helper, other, "off_topic")  # only spam hides at once
    commit()
    assert db.session.get(Post, other.id, populate_existing=True).hidden_at is None


def test_a_helper_enters_the_lounge_and_loses_everything_when_demoted(
    app, helper, community, run_identify, login
):
    lounge = create_category("Ambassadors' lounge", "lounge", required_capability="category.lounge")
    commit()
    assert login(helper).get("/c/lounge").status_code == 200
    assert forum.can_see_category(helper, lounge)
    # Out of the window, past the grace period: demoted, the lounge closes.
    later = community.now + timedelta(days=200)
    run_identify(as_of=later - timedelta(days=31))
    run_identify(as_of=later)
    demoted = db.session.get(User, helper.id, populate_existing=True)
    db.session.refresh(demoted, ["grants"])
    assert not demoted.can("category.lounge")
    assert not demoted.can("post.edit_any")
    assert login(demoted).get("/c/lounge").status_code == 404
