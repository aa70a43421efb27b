"""Deleting or restoring someone else's post from the topic page asks why and is audited."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.forum.models import Post
from app.moderation.models import AuditEntry
from tests.support import at_once, form_submission


def _post(post_id: int) -> Post:
    db.session.expire_all()
    return db.session.get(Post, post_id)


def _entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _send(browser, submission: tuple[str, dict[str, str]]):
    url, fields = submission
    return browser.client.post(url, data=fields)


def _follow_link(browser, topic_id: int, href: str) -> str:
    """The topic page links to the confirmation page; open it as a browser would."""
    page = browser.get(f"/t/{topic_id}").get_data(as_text=True)
    assert f'href="{href}"' in page, "the topic page offers no link to the confirmation page"
    confirm = browser.get(href)
    assert confirm.status_code == 200
    return confirm.get_data(as_text=True)


def test_a_moderator_deletes_and_restores_with_a_reason(
    login, member, other_member, moderator, make_topic, make_answer
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic, body="Buy a new machine.")
    browser = login(moderator)
    url = f"/p/{answer.id}/delete"
    confirm = _follow_link(browser, topic.id, url)
    # No reason: asked again, nothing deleted, nothing logged.
    refused = _send(browser, form_submission(confirm, url))
    assert refused.status_code == 422
    assert "Say why" in refused.get_data(as_text=True)
    assert _post(answer.id).deleted_at is None and not _entries("post.delete")

    done = _send(browser, form_submission(confirm, url, reason="Off topic advert"))
    assert done.status_code == 302
    assert _post(answer.id).deleted_at is not None
    (entry,) = _entries("post.delete")
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.reason) == (
        moderator.id, "post", answer.id, "Off topic advert",
    )  # fmt: skip
    # Pressed twice (the page still open): one deletion, one entry.
    assert _send(browser, form_submission(confirm, url, reason="Again")).status_code == 302
    assert len(_entries("post.delete")) == 1

    restore = f"/p/{answer.id}/restore"
    confirm = _follow_link(browser, topic.id, restore)
    assert _send(browser, form_submission(confirm, restore)).status_code == 422
    assert _post(answer.id).deleted_at is not None
    sent = form_submission(confirm, restore, reason="Was fine")
    assert _send(browser, sent).status_code == 302
    assert _post(answer.id).deleted_at is None
    assert [e.reason for e in _entries("post.restore")] == ["Was fine"]


def test_ones_own_post_is_deleted_once_confirmed_and_not_audited(
    login, member, make_topic, make_answer
):
    topic = make_topic(member)
    answer = make_answer(member, topic, body="Never mind.")
    browser = login(member)
    page = browser.get(f"/t/{topic.id}").get_data(as_text=True)
    # No button deletes at once: the post's Delete opens its confirmation page.
    assert f'formaction="/p/{answer.id}/delete"' not in page
    assert f'<a href="/p/{answer.id}/delete"' in page
    confirmation = browser.get(f"/p/{answer.id}/delete")
    assert confirmation.status_code == 200 and "Never mind." in confirmation.text
    assert 'name="reason"' not in confirmation.text  # one's own: no reason asked
    assert _post(answer.id).deleted_at is None
    url, data = form_submission(confirmation.text, f"/p/{answer.id}/delete")
    assert browser.client.post(url, data=data).status_code == 302
    assert _post(answer.id).deleted_at is not None
    assert not _entries("post.delete")


def test_members_cannot_open_the_confirmation_of_anothers_post(
    login, member, other_member, make_topic, make_answer
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    assert login(member).get(f"/p/{answer.id}/delete").status_code == 403
    assert login(member).post(f"/p/{answer.id}/delete", {"reason": "x"}).status_code == 403
    assert login(member).get(f"/p/{answer.id}/restore").status_code == 403


def test_two_moderators_deleting_at_once_make_one_entry(
    app, login, member, other_member, moderator, make_user, make_topic, make_answer
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    browsers = [login(moderator), login(make_user("mod_two", role="moderator"))]
    url = f"/p/{answer.id}/delete"
    sent = [
        form_submission(b.get(url).get_data(as_text=True), url, reason="Spam") for b in browsers
    ]
    results = at_once(2, lambda i: _send(browsers[i], sent[i]).status_code)
    assert results == [302, 302], results
    assert len(_entries("post.delete")) == 1
