"""A hidden post shown again: from its topic page, the queue's history and the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.events import commit
from app.extensions import db
from app.forum.models import Post
from app.moderation import services
from app.moderation.models import AuditEntry
from tests.support import at_once, button_submission, form_submission


def _hidden_by_the_queue(browser, post_id: int) -> None:
    """Flag the post, then press Hide in the queue as a moderator would."""
    queue = browser.get("/manage/queue").get_data(as_text=True)
    url, fields = button_submission(queue, f"/manage/queue/post/{post_id}/hide")
    assert browser.client.post(url, data=fields).status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post_id).hidden_at is not None


def _hidden_at(post_id: int):
    db.session.expire_all()
    return db.session.get(Post, post_id).hidden_at


def _unhides(post_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "post.unhide")))


@pytest.fixture
def hidden_answer(login, moderator, active_member, flagged_answer):
    services.flag_post(active_member(), flagged_answer, "spam")
    commit()
    browser = login(moderator)
    _hidden_by_the_queue(browser, flagged_answer.id)
    return browser, flagged_answer


def test_unhide_from_the_topic_page(hidden_answer, login, member):
    browser, post = hidden_answer
    assert "/unhide" not in login(member).get(f"/t/{post.topic_id}").get_data(as_text=True)
    page = browser.get(f"/t/{post.topic_id}").get_data(as_text=True)
    url, fields = button_submission(page, f"/p/{post.id}/unhide")
    assert browser.client.post(url, data=fields).status_code == 302
    assert _hidden_at(post.id) is None
    (entry,) = _unhides(post.id)
    assert (entry.target_type, entry.target_id, entry.before) == ("post", post.id, {"hidden": True})
    assert "cheap watches" in login(member).get(f"/t/{post.topic_id}").get_data(as_text=True)
    # Shown again: the page offers no Unhide any more.
    assert f"/p/{post.id}/unhide" not in browser.get(f"/t/{post.topic_id}").get_data(as_text=True)


def test_unhide_sent_by_htmx_reloads_the_whole_page_where_the_browser_would_go(hidden_answer):
    """Unhide sits among a post's instant buttons, which tribune.js sends through htmx, but
    it answers with a redirect (the post's head changes too): htmx is told to load that
    page whole (HX-Redirect), not to swap it into the post's footer."""
    browser, post = hidden_answer
    page = browser.get(f"/t/{post.topic_id}").get_data(as_text=True)
    url, fields = button_submission(page, f"/p/{post.id}/unhide")
    response = browser.client.post(url, data=fields, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.get_data() == b""
    assert response.headers["HX-Redirect"].endswith(f"/p/{post.id}")
    assert "HX-Request" in response.headers["Vary"]
    assert _hidden_at(post.id) is None and len(_unhides(post.id)) == 1


def test_unhide_from_the_queues_history_with_a_reason(hidden_answer):
    browser, post = hidden_answer
    queue = browser.get("/manage/queue").get_data(as_text=True)
    assert f"hidden-post-{post.id}" in queue
    action = f"/p/{post.id}/unhide?back=queue"
    url, fields = form_submission(queue.replace("&amp;", "&"), action, reason="Not spam after all")
    response = browser.client.post(url, data=fields)
    assert response.status_code == 302 and response.headers["Location"].endswith("/manage/queue")
    assert _hidden_at(post.id) is None
    assert [e.reason for e in _unhides(post.id)] == ["Not spam after all"]
    assert f"hidden-post-{post.id}" not in browser.get("/manage/queue").get_data(as_text=True)


def test_unhide_from_the_audit_entry(hidden_answer):
    browser, post = hidden_answer
    log = browser.get("/manage/log").get_data(as_text=True)
    url, fields = button_submission(log.replace("&amp;", "&"), f"/p/{post.id}/unhide?back=log")
    assert browser.client.post(url, data=fields).status_code == 302
    assert _hidden_at(post.id) is None
    assert len(_unhides(post.id)) == 1
    assert f"/p/{post.id}/unhide" not in browser.get("/manage/log").get_data(as_text=True)


def test_unhide_is_for_moderators(hidden_answer, login, member, active_member):
    _browser, post = hidden_answer
    assert login(member).post(f"/p/{post.id}/unhide").status_code == 403
    assert _hidden_at(post.id) is not None


def test_two_moderators_unhiding_at_once_make_one_change(app, hidden_answer, make_user):
    _browser, post = hidden_answer
    second = make_user("mod_two", role="moderator")
    moderators = [second, make_user("mod_three", role="moderator")]
    ids = [m.id for m in moderators]

    def unhide(i: int) -> bool:
        with app.app_context():
            shown = services.unhide_post(
                db.session.get(User, ids[i]), db.session.get(Post, post.id)
            )
            commit()
            return shown

    results = at_once(2, unhide)
    assert sorted(results) == [False, True], results
    assert len(_unhides(post.id)) == 1


def test_the_log_reads_well_in_french(app, hidden_answer, login, member, admin):
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Paris"
    page = login(admin).get("/manage/members/alice").get_data(as_text=True)
    url, fields = form_submission(page, "/manage/members/alice/role", role="moderator")
    login(admin).client.post(url, data=fields)
    log = login(admin).get("/manage/log", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Quand (Europe/Paris)" in log
    assert "Message masqué" in log and "Rôle modifié" in log
    assert '<a href="/u/alice">alice</a>' in log  # the target, by name
    assert '<a href="/u/mod_claire">mod_claire</a>' in log  # who did it
    assert '{"' not in log  # no raw JSON
    assert '<span class="change-name">Rôle</span> Membre' in log
