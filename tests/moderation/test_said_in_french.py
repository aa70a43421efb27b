"""The managers' pages in French: role names, the Helper badge, and what each action did."""

from __future__ import annotations

from app.core.events import commit
from app.moderation import services
from tests.support import button_submission, form_submission

FR = {"Accept-Language": "fr"}


def _send(browser, submission, **kwargs):
    url, fields = submission
    return browser.client.post(url, data=fields, headers=FR, follow_redirects=True, **kwargs)


def test_the_member_page_names_the_role_in_french(login, member, moderator, admin):
    page = login(moderator).get("/manage/members/alice", headers=FR).get_data(as_text=True)
    assert "Rôle : Membre." in page and "Rôle : member" not in page
    page = login(admin).get("/manage/members/alice", headers=FR).get_data(as_text=True)
    assert '<option value="moderator">Responsable de communauté</option>' in page
    done = _send(login(admin), form_submission(page, "/manage/members/alice/role",
                                               role="moderator", reason="Nouvelle CM"))  # fmt: skip
    assert "alice est maintenant : Responsable de communauté." in done.get_data(as_text=True)


def test_the_helper_badge_is_named_in_french(client):
    page = client.get("/badges", headers=FR).get_data(as_text=True)
    assert "Membre d\u2019entraide" in page
    assert ">Helper<" not in page


def test_sanctions_say_what_was_done(login, member, moderator):
    browser = login(moderator)
    page = browser.get("/manage/members/alice", headers=FR).get_data(as_text=True)
    url, fields = button_submission(page, "/manage/members/alice/warn")
    fields["reason"] = "Restez dans le sujet"
    html = _send(browser, (url, fields)).get_data(as_text=True)
    assert "alice a reçu un avertissement." in html and "C\u2019est fait" not in html


def test_queue_decisions_say_what_was_done(login, moderator, active_member, flagged_answer):
    services.flag_post(active_member(), flagged_answer, "spam")
    commit()
    browser = login(moderator)
    queue = browser.get("/manage/queue", headers=FR).get_data(as_text=True)
    html = _send(browser, button_submission(queue, f"/manage/queue/post/{flagged_answer.id}/hide"))
    text = html.get_data(as_text=True)
    assert "Masqué : les signalements sont confirmés" in text
    assert "C\u2019est fait" not in text and "C'est fait" not in text


def test_topic_actions_say_what_was_done(login, member, moderator, make_topic):
    topic = make_topic(member)
    browser = login(moderator)
    page = browser.get(f"/t/{topic.id}/manage", headers=FR).get_data(as_text=True)
    html = _send(browser, button_submission(page, f"/t/{topic.id}/manage/lock")).get_data(
        as_text=True
    )
    assert "Sujet verrouillé." in html
