"""The ambassador mark beside authors' names: shown when the status is public, never when
it is implicit, fresh on cached pages, without a statement more on the topic page."""

from __future__ import annotations

import pytest

from app.accounts.models import User
from app.extensions import db
from app.forum.models import Post, Topic
from tests.support import form_submission

MARK = 'class="role-mark ambassador-mark">Ambassador</span>'


@pytest.fixture
def cached_pages(app):
    app.config["PAGE_CACHE_SECONDS"] = 3600
    app.config["VIEW_FLUSH_EVERY_VIEWS"] = 10_000
    app.config["VIEW_FLUSH_EVERY_SECONDS"] = 3600


def decide(login, moderator, username: str, status: str, reason: str = "Leads the meetups"):
    """A moderator's decision through the member page's own form."""
    browser = login(moderator)
    page = browser.get(f"/manage/ambassadors/u/{username}").get_data(as_text=True)
    action = f"/manage/ambassadors/u/{username}/status"
    url, fields = form_submission(page, action, reason=reason)
    fields["status"] = status  # the button the moderator presses
    assert browser.client.post(url, data=fields).status_code == 302
    db.session.expire_all()


def test_the_mark_follows_a_decision_on_cached_pages_in_both_languages(
    app, client, login, moderator, member, make_user, make_topic, make_answer, cached_pages
):
    target = make_user("target")
    topic = make_topic(target)
    make_answer(target, topic, "An answer from the future ambassador.")
    make_answer(member, topic, "And one from a member.")
    url = f"/t/{topic.id}"
    before = client.get(url).get_data(as_text=True)
    assert "ambassador-mark" not in before
    assert "ambassador-mark" not in client.get("/").get_data(as_text=True)
    revision = db.session.get(Topic, topic.id).revision

    decide(login, moderator, "target", "ambassador")
    assert db.session.get(User, target.id).distinction == "ambassador"
    assert db.session.get(Topic, topic.id).revision > revision
    page = client.get(url).get_data(as_text=True)
    assert page.count(MARK) == 2  # the opening post and the answer, not the member's
    assert MARK in client.get("/").get_data(as_text=True)  # the topic list
    french = client.get(url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'ambassador-mark">Ambassadeur</span>' in french

    decide(login, moderator, "target", "member", reason="Stepped back")
    assert db.session.get(User, target.id).distinction is None
    assert "ambassador-mark" not in client.get(url).get_data(as_text=True)
    assert "ambassador-mark" not in client.get("/").get_data(as_text=True)


def test_never_a_mark_when_the_status_is_implicit(
    app, client, login, moderator, make_user, make_topic, make_answer, cached_pages
):
    app.config["AMBASSADOR_STATUS_PUBLIC"] = False
    target = make_user("target")
    topic = make_topic(target)
    make_answer(target, topic, "An answer.")
    client.get(f"/t/{topic.id}")
    revision = db.session.get(Topic, topic.id).revision
    decide(login, moderator, "target", "ambassador")
    assert db.session.get(User, target.id).distinction == "ambassador"
    # Nothing shows the status, so no page needed a new revision.
    assert db.session.get(Topic, topic.id).revision == revision
    for language in ("en", "fr"):
        headers = {"Accept-Language": language}
        assert "ambassador-mark" not in client.get(f"/t/{topic.id}", headers=headers).text
        assert "ambassador-mark" not in client.get("/", headers=headers).text


def test_the_nightly_job_marks_the_members_it_promotes(
    app, client, community, run_identify, cached_pages
):
    helper = community.member("helper", answers=3, accepted=2, votes=1)
    topic_id = db.session.scalar(
        db.select(Post.topic_id).where(Post.author_id == helper.id).limit(1)
    )
    url = f"/t/{topic_id}"
    assert "ambassador-mark" not in client.get(url).text
    run_identify()
    assert db.session.get(User, helper.id, populate_existing=True).distinction == "ambassador"
    assert MARK in client.get(url).text
    run_identify()  # nothing changed: the mark stays
    assert MARK in client.get(url).text


def test_the_topic_page_runs_as_many_statements_with_ambassadors(
    app, client, login, moderator, make_user, make_topic, make_answer, count_queries,
    cached_pages,
):  # fmt: skip
    authors = [make_user(f"author{n}") for n in range(4)]
    topic = make_topic(authors[0])
    for n in range(8):
        make_answer(authors[n % 4], topic, f"Answer {n}")
    url = f"/t/{topic.id}"
    client.get("/search")  # the day's first request records the visit
    with count_queries() as counter:
        assert "ambassador-mark" not in client.get(url).text
    without = counter.count
    for author in authors[:3]:
        decide(login, moderator, author.username, "ambassador")
    with count_queries() as counter:  # a new revision: the page is loaded again
        assert client.get(url).text.count(MARK) == 7
    assert counter.count == without, "\n".join(s[:150] for s in counter.statements)
