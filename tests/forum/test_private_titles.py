"""A topic in a restricted category (the ambassadors' lounge) is named only to those who
may read it: duplicates, merges, notifications, search, profiles, leaderboards.

Every test reads as four people: a visitor, a plain member, an ambassador (the helper
capabilities, the lounge among them) and a moderator; and staff, who read the lounge
but manage no topic, so share a plain member's cached parts of a topic page.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.accounts.models import User
from app.core import permissions
from app.core.events import commit
from app.extensions import db
from app.forum import topic_actions, topic_merge
from app.forum.categories import create_category
from app.forum.deletion import delete_post
from app.forum.models import Category, Post, Topic
from app.forum.topic_state import hide_post

SECRET = "Lounge preview of the Cafeo 900"


@pytest.fixture
def lounge(app: Any) -> Category:
    created = create_category("Ambassadors lounge", "lounge", required_capability="category.lounge")
    commit()
    return created


@pytest.fixture
def helper(make_user: Any) -> User:
    """An ambassador: the helper capabilities, granted as the nightly job grants them."""
    user = make_user("helper_hana")
    for capability in permissions.HELPER_CAPABILITIES:
        permissions.grant(user.id, capability, "ambassador")
    commit()
    return db.session.get(User, user.id, populate_existing=True)


@pytest.fixture
def readers(client: Any, login: Any, member: User, helper: User, moderator: User, staff: User):
    """(name, browser, may read the lounge): staff first, so a cached part they filled
    would reach the plain member after them."""
    return [
        ("staff", login(staff), True),
        ("helper", login(helper), True),
        ("visitor", client, False),
        ("member", login(member), False),
        ("moderator", login(moderator), True),
    ]


def fresh(model: Any, ident: int) -> Any:
    return db.session.get(model, ident, populate_existing=True)


def test_a_duplicate_of_a_lounge_topic_is_named_only_to_lounge_readers(
    login, member, moderator, lounge, make_topic, readers
):
    secret = make_topic(moderator, title=SECRET, in_category=lounge)
    public = make_topic(member, title="When is the 900 out?")
    closed = login(moderator).post(
        f"/t/{public.id}/manage/duplicate", {"original": str(secret.id), "reason": ""}
    )
    assert closed.status_code == 302
    for _round in range(2):  # the second round is served from the caches
        for name, browser, may_read in readers:
            page = browser.get(f"/t/{public.id}")
            assert page.status_code == 200, name
            assert (SECRET in page.text) is may_read, name
            assert (f'href="/t/{secret.id}/' in page.text) is may_read, name
            assert "Closed as a duplicate" in page.text, name


def test_cached_pages_stop_naming_an_original_moved_into_the_lounge(
    client, login, member, moderator, lounge, make_topic
):
    original = make_topic(member, title="Descaling the Cafeo 300")
    copy = make_topic(member, title="How to descale the 300")
    topic_actions.close_as_duplicate(moderator, copy, original)
    commit()
    plain = login(member)
    assert "Descaling the Cafeo 300" in client.get(f"/t/{copy.id}").text
    assert "Descaling the Cafeo 300" in plain.get(f"/t/{copy.id}").text
    topic_actions.move_topic(moderator, fresh(Topic, original.id), lounge)
    commit()
    # The copy itself did not change (same revision): its cached pages must not be reused.
    assert "Descaling the Cafeo 300" not in client.get(f"/t/{copy.id}").text
    assert "Descaling the Cafeo 300" not in plain.get(f"/t/{copy.id}").text
    assert "Descaling the Cafeo 300" in login(moderator).get(f"/t/{copy.id}").text


def test_a_deleted_original_is_named_only_to_moderators(
    client, login, member, moderator, make_topic
):
    original = make_topic(member, title="Removed for a reason")
    copy = make_topic(member, title="Same question again")
    topic_actions.close_as_duplicate(moderator, copy, original)
    commit()
    assert "Removed for a reason" in client.get(f"/t/{copy.id}").text
    opening = db.session.scalar(
        db.select(Post).where(Post.topic_id == original.id, Post.position == 0)
    )
    delete_post(moderator, opening)
    commit()
    assert "Removed for a reason" not in client.get(f"/t/{copy.id}").text
    assert "Removed for a reason" not in login(member).get(f"/t/{copy.id}").text
    assert "Removed for a reason" in login(moderator).get(f"/t/{copy.id}").text


def test_the_manage_page_names_the_original_only_to_those_who_may_read_it(
    login, make_user, member, moderator, lounge, make_topic
):
    closer = make_user("closer_lou")  # may close duplicates, was never given the lounge
    permissions.grant(closer.id, "topic.close_duplicate", "manual")
    commit()
    secret = make_topic(moderator, title=SECRET, in_category=lounge)
    public = make_topic(member, title="When is the 900 out?")
    topic_actions.close_as_duplicate(moderator, public, secret)
    commit()
    page = login(closer).get(f"/t/{public.id}/manage")
    assert page.status_code == 200
    assert SECRET not in page.text
    assert "Reopen" in page.text, "they may still reopen it"
    assert SECRET in login(moderator).get(f"/t/{public.id}/manage").text


def test_a_topic_merged_into_a_lounge_topic_is_gone_for_those_who_cannot_follow(
    member, moderator, lounge, make_topic, readers
):
    secret = make_topic(moderator, title=SECRET, in_category=lounge)
    public = make_topic(member, title="When is the 900 out?")
    topic_merge.merge_topics(moderator, public, secret)
    commit()
    for name, browser, may_read in readers:
        answer = browser.get(f"/t/{public.id}")
        assert answer.status_code == (301 if may_read else 404), name
        if may_read:
            assert answer.location.endswith(f"/t/{secret.id}")


def test_notifications_stop_naming_a_topic_moved_into_the_lounge(
    login, member, other_member, helper, moderator, lounge, make_topic, make_answer
):
    topic = make_topic(member, title="Milk frothing at home")  # the author follows it
    make_answer(helper, topic, "Use cold milk.")  # so does the helper
    make_answer(other_member, topic, "And a steel jug.")
    assert "Milk frothing at home" in login(member).get("/notifications/").text
    topic_actions.move_topic(moderator, fresh(Topic, topic.id), lounge)
    commit()
    shown = login(member).get("/notifications/").text
    assert "Milk frothing at home" not in shown
    assert "about something you cannot see" in shown
    assert "Milk frothing at home" in login(helper).get("/notifications/").text


def test_a_mention_in_the_lounge_reaches_only_lounge_readers(
    login, member, helper, moderator, lounge, make_topic
):
    body = "What do @alice, @helper_hana and @mod_claire think?"
    make_topic(moderator, title=SECRET, body=body, in_category=lounge)
    assert SECRET not in login(member).get("/notifications/").text
    assert SECRET in login(helper).get("/notifications/").text
    permissions.revoke(helper.id, "ambassador")  # no longer an ambassador: the lounge closes
    commit()
    shown = login(helper).get("/notifications/").text
    assert SECRET not in shown and "about something you cannot see" in shown


def test_a_mention_in_a_hidden_topic_reaches_only_moderators(
    login, member, other_member, moderator, make_user, make_topic, make_answer
):
    topic = make_topic(member, title="Buy cheap watches here")
    opening = db.session.scalar(
        db.select(Post).where(Post.topic_id == topic.id, Post.position == 0)
    )
    hide_post(opening, "moderator")
    commit()
    other_moderator = make_user("mod_max", role="moderator")
    make_answer(moderator, topic, "Spam, @bruno and @mod_max: do not click.")
    assert "Buy cheap watches here" not in login(other_member).get("/notifications/").text
    assert "Buy cheap watches here" in login(other_moderator).get("/notifications/").text


def test_search_finds_lounge_posts_only_for_lounge_readers(moderator, lounge, make_topic, readers):
    make_topic(moderator, title=SECRET, body="the espresso tamper ships in May", in_category=lounge)
    for name, browser, may_read in readers:
        page = browser.get("/search?q=espresso+tamper")
        assert page.status_code == 200, name
        assert (SECRET in page.text) is may_read, name


def test_search_leaves_out_replies_in_a_hidden_topic(
    client, login, member, other_member, moderator, make_topic, make_answer
):
    topic = make_topic(member, title="Buy cheap watches here")
    make_answer(other_member, topic, "the espresso tamper is not a watch")
    opening = db.session.scalar(
        db.select(Post).where(Post.topic_id == topic.id, Post.position == 0)
    )
    hide_post(opening, "moderator")
    commit()
    assert "Buy cheap watches here" not in client.get("/search?q=espresso+tamper").text
    assert "Buy cheap watches here" not in login(other_member).get("/search?q=espresso+tamper").text
    assert "Buy cheap watches here" in login(moderator).get("/search?q=espresso+tamper").text


def test_a_profile_lists_only_the_posts_the_viewer_may_read(
    client, login, helper, moderator, member, lounge, make_topic, readers
):
    make_topic(helper, title=SECRET, in_category=lounge)
    hidden = make_topic(helper, title="Buy cheap watches here")
    make_topic(helper, title="Frothing oat milk")
    opening = db.session.scalar(
        db.select(Post).where(Post.topic_id == hidden.id, Post.position == 0)
    )
    hide_post(opening, "moderator")
    commit()
    for name, browser, may_read in readers:
        page = browser.get("/u/helper_hana").text
        assert "Frothing oat milk" in page, name
        assert (SECRET in page) is may_read, name
        sees_hidden = name == "moderator"
        assert ("Buy cheap watches here" in page) is sees_hidden, name


def test_the_lounge_leaderboard_is_for_lounge_readers(lounge, readers):
    for name, browser, may_read in readers:
        board = browser.get("/leaderboard?category=lounge")
        assert board.status_code == (200 if may_read else 404), name
        assert ("Ambassadors lounge" in browser.get("/leaderboard").text) is may_read, name
