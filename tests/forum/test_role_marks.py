"""Staff and community managers carry a small mark beside their names, kept fresh in caches."""

from __future__ import annotations

from app.extensions import db
from app.forum.models import Topic
from tests.support import form_submission


def test_staff_and_moderators_are_marked_members_are_not(
    client, member, moderator, staff, make_topic, make_answer
):
    topic = make_topic(member)
    make_answer(moderator, topic, "A community manager answers.")
    make_answer(staff, topic, "The brand answers.")
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert 'class="role-mark role-moderator">Community manager</span>' in page
    assert 'class="role-mark role-staff">Brand staff</span>' in page
    assert page.count("role-mark") == 2
    french = client.get(f"/t/{topic.id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Responsable de communauté</span>" in french


def test_a_role_change_shows_on_cached_topic_pages(
    app, client, login, member, other_member, admin, make_topic, make_answer
):
    app.config["PAGE_CACHE_SECONDS"] = 3600
    topic = make_topic(member)
    make_answer(other_member, topic, "Soon a community manager.")
    before = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert "role-mark" not in before
    revision = db.session.get(Topic, topic.id).revision
    browser = login(admin)
    page = browser.get("/manage/members/bruno").get_data(as_text=True)
    sent = form_submission(page, "/manage/members/bruno/role", role="moderator", reason="New CM")
    assert browser.client.post(sent[0], data=sent[1]).status_code == 302
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).revision > revision
    after = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert 'role-mark role-moderator">Community manager' in after
