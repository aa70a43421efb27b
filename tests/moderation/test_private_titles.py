"""The managers' pages name a restricted category's topics only to those who may read it."""

from __future__ import annotations

import pytest

from app.core.events import commit
from app.core.permissions import ROLE_CAPABILITIES, grant
from app.forum import topic_actions
from app.forum.categories import create_category
from app.moderation import services

SECRET = "Lounge preview of the Cafeo 900"


@pytest.fixture
def lounge(app):
    created = create_category("Ambassadors lounge", "lounge", required_capability="category.lounge")
    commit()
    return created


def granted(make_user, name, *capabilities):
    user = make_user(name)
    for capability in capabilities:
        grant(user.id, capability, "manual")
    commit()
    return user


def test_first_posts_in_the_lounge_wait_for_reviewers_who_may_read_it(
    app, login, make_user, moderator, lounge, make_topic
):
    app.config["HOLD_FIRST_POSTS"] = True
    newcomer = granted(make_user, "newbie", "category.lounge")
    make_topic(newcomer, title=SECRET, in_category=lounge)
    make_topic(make_user("other_newbie"), title="Frothing oat milk")
    reviewer = granted(make_user, "reviewer_rae", "post.review_first")
    page = login(reviewer).get("/manage/first-posts").text
    assert "Frothing oat milk" in page
    assert SECRET not in page
    assert SECRET in login(moderator).get("/manage/first-posts").text


def test_the_flag_queue_lists_posts_only_to_those_who_may_read_them(
    login, make_user, member, moderator, lounge, make_topic, make_answer
):
    insider = granted(make_user, "insider", "category.lounge")
    secret = make_topic(moderator, title=SECRET, in_category=lounge)
    services.flag_post(moderator, make_answer(insider, secret, "Buy watches"), "spam")
    services.flag_post(moderator, make_answer(insider, make_topic(member), "Buy pods"), "spam")
    commit()
    reviewer = granted(make_user, "reviewer_rae", "flag.review")
    page = login(reviewer).get("/manage/queue").text
    assert "How do I descale?" in page
    assert SECRET not in page
    assert SECRET in login(moderator).get("/manage/queue").text


def test_the_audit_log_names_topics_by_number_only(
    login, member, moderator, staff, lounge, make_topic
):
    """Whoever opens the log (``manage.access``) reads the lounge too, and the log names
    no title anyway: a row says "topic 2", whatever its category."""
    assert all(
        "category.lounge" in held for held in ROLE_CAPABILITIES.values() if "manage.access" in held
    )
    secret = make_topic(moderator, title=SECRET, in_category=lounge)
    public = make_topic(member, title="When is the 900 out?")
    topic_actions.close_as_duplicate(moderator, public, secret, "same question")
    topic_actions.move_topic(moderator, public, lounge)
    commit()
    for reader in (moderator, staff):
        page = login(reader).get("/manage/log").text
        assert "topic.close_duplicate" in page and "same question" in page
        assert SECRET not in page and "When is the 900 out?" not in page
        export = login(reader).get("/manage/log.csv")
        csv = export.get_data(as_text=True)
        export.close()  # as the WSGI server does: closes the spooled file
        assert "topic.close_duplicate" in csv and SECRET not in csv
