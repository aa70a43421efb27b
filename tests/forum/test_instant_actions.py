"""A topic page's actions, sent as a browser sends them: without JavaScript (the form,
then a redirect) and by htmx (the same form with HX-Request: the part of the page that
changed, or a refusal in place)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app import create_app
from app.accounts import sessions
from app.core.events import commit
from app.extensions import db
from app.forum import voting
from app.forum.deletion import delete_post
from app.forum.models import Post, PostVote, Topic, TopicFollow
from tests.conftest import LoggedIn
from tests.support import at_once, button_submission, form_submission

HX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/t/1"}


def _press(page: str, action: str) -> tuple[str, dict[str, str]]:
    """What the button posting to ``action`` sends: the page's actions form, which
    tribune.js sends through htmx as it stands (the button carries no hx-* of its own)."""
    assert re.search(rf'<button form="actions" formaction="{action}"[ >]', page), action
    return button_submission(page, action)


def _hx(browser, page_url: str, action: str):
    url, data = _press(browser.get(page_url).text, action)
    return browser.client.post(url, data=data, headers=HX)


def _actions_form(page: str) -> dict[str, str]:
    """The fields of the page's one actions form (its CSRF token), for a button it lacks."""
    found = re.search(r'<form id="actions" method="post" hidden><input type="hidden" '
                      r'name="csrf_token" value="([^"]+)">', page)  # fmt: skip
    assert found, "no actions form on the page"
    return {"csrf_token": found[1]}


def _vote_count(post_id: int) -> int:
    return db.session.scalar(select(Post.vote_count).where(Post.id == post_id))


def _accepted(topic_id: int) -> int | None:
    return db.session.scalar(select(Topic.accepted_post_id).where(Topic.id == topic_id))


def _deleted_at(post_id: int):
    return db.session.scalar(select(Post.deleted_at).where(Post.id == post_id))


def _refusal(response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.text.startswith('<p class="refusal" role="alert">'), response.text
    assert words in response.text and "<html" not in response.text


@pytest.fixture
def question(member, other_member, make_topic, make_answer):
    topic = make_topic(member, title="Pump noise")
    answer = make_answer(other_member, topic, "Prime the pump.")
    return topic, answer


def test_vote_and_unvote_without_javascript_go_back_to_the_post(login, member, question):
    topic, answer = question
    browser = login(member)
    url, data = _press(browser.get(f"/t/{topic.id}").text, f"/p/{answer.id}/vote")
    response = browser.client.post(url, data=data)
    assert response.status_code == 302 and response.location.endswith(f"#post-{answer.id}")
    page = browser.get(f"/t/{topic.id}").text
    assert f'<button form="actions" formaction="/p/{answer.id}/unvote" aria-pressed="true">' in page
    url, data = _press(page, f"/p/{answer.id}/unvote")
    assert browser.client.post(url, data=data).status_code == 302
    assert _vote_count(answer.id) == 0


def test_vote_and_unvote_with_htmx_answer_the_posts_buttons(login, member, question):
    topic, answer = question
    browser = login(member)
    response = _hx(browser, f"/t/{topic.id}", f"/p/{answer.id}/vote")
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    footer = response.text
    assert footer.startswith("<footer><button ")
    assert f'formaction="/p/{answer.id}/unvote" aria-pressed="true">Helpful · 1<' in footer
    assert _vote_count(answer.id) == 1
    # The page shows the same buttons as the fragment did.
    assert footer in browser.get(f"/t/{topic.id}").text

    response = _hx(browser, f"/t/{topic.id}", f"/p/{answer.id}/unvote")
    assert response.status_code == 200
    assert 'aria-pressed="false"' in response.text and "Helpful · 0" in response.text
    assert _vote_count(answer.id) == 0


def test_refused_votes_answer_htmx_with_their_message(app, login, member, other_member, question):
    topic, answer = question
    author = login(other_member)
    page = author.get(f"/t/{topic.id}").text
    data = _actions_form(page)
    own = author.client.post(f"/p/{answer.id}/vote", data=data, headers=HX)
    _refusal(own, 403, "You cannot vote for your own post.")

    browser = login(member)
    url, data = _press(browser.get(f"/t/{topic.id}").text, f"/p/{answer.id}/vote")
    delete_post(other_member, db.session.get(Post, answer.id))
    commit()
    _refusal(browser.client.post(url, data=data, headers=HX), 404, "It was removed")
    assert _vote_count(answer.id) == 0


def test_too_many_votes_are_refused_in_place(database_url, member, question):
    topic, answer = question
    limited = create_app("testing", {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": True,
                                     "VOTE_LIMIT_PER_USER": "1/minute"})  # fmt: skip
    browser = LoggedIn(limited, member)
    url, data = _press(browser.get(f"/t/{topic.id}").text, f"/p/{answer.id}/vote")
    assert browser.client.post(url, data=data, headers=HX).status_code == 200
    _refusal(browser.client.post(url, data=data, headers=HX), 429, "Too many attempts")
    assert _vote_count(answer.id) == 1


def test_a_form_without_its_token_or_a_login_is_refused_in_place(client, login, member, question):
    topic, answer = question
    browser = login(member)
    no_token = browser.client.post(f"/p/{answer.id}/vote", data={}, headers=HX)
    _refusal(no_token, 400, "Reload the page")
    # The page was open when the login ended (logged out everywhere, elsewhere).
    url, data = _press(browser.get(f"/t/{topic.id}").text, f"/p/{answer.id}/vote")
    sessions.end_all(member)
    commit()
    _refusal(browser.client.post(url, data=data, headers=HX), 401, "log in again")
    # Without htmx, the login page, as before.
    response = browser.client.post(url, data=data)
    assert response.status_code == 302 and "/login?next=" in response.location
    assert _vote_count(answer.id) == 0


def test_accept_and_unaccept_with_htmx_update_the_marks(
    login, member, make_user, question, make_answer
):
    topic, answer = question
    other = make_answer(make_user("carl"), topic, "Tighten the valve.")
    browser = login(member)
    page_url = f"/t/{topic.id}"

    first = _hx(browser, page_url, f"/p/{answer.id}/accept")
    assert first.status_code == 200, first.text
    assert first.text.startswith("<footer") and "Unmark solution" in first.text
    assert '<div hx-swap-oob="delete:.post>header>.solved"></div>' in first.text
    assert f'hx-swap-oob="beforeend:#post-{answer.id}>header"> <span class="solved">' in first.text
    assert '<span id="topic-solved" hx-swap-oob="true"> · <span class="solved">' in first.text
    assert _accepted(topic.id) == answer.id

    second = _hx(browser, page_url, f"/p/{other.id}/accept")
    assert second.status_code == 200
    # The answer that was the solution gets its buttons back, out of band.
    oob = f'<footer hx-swap-oob="outerHTML:#post-{answer.id}>footer">'
    assert oob in second.text
    assert second.text.split(oob)[1].split("</footer>")[0].count("Mark as solution") == 1
    assert f"beforeend:#post-{other.id}>header" in second.text
    assert _accepted(topic.id) == other.id

    third = _hx(browser, page_url, f"/p/{other.id}/unaccept")
    assert third.status_code == 200 and "Mark as solution" in third.text
    assert '<span id="topic-solved" hx-swap-oob="true"></span>' in third.text
    assert "beforeend" not in third.text
    assert _accepted(topic.id) is None


def test_accept_without_javascript_and_refused_with_htmx(login, member, other_member, question):
    topic, answer = question
    asker = login(member)
    url, data = _press(asker.get(f"/t/{topic.id}").text, f"/p/{answer.id}/accept")
    response = asker.client.post(url, data=data)
    assert response.status_code == 302 and response.location.endswith(f"#post-{answer.id}")
    page = asker.get(f"/t/{topic.id}").text
    assert "✔ Solved" in page
    url, data = _press(page, f"/p/{answer.id}/unaccept")
    assert asker.client.post(url, data=data).status_code == 302
    assert _accepted(topic.id) is None
    url, data = _press(asker.get(f"/t/{topic.id}").text, f"/p/{answer.id}/accept")
    assert asker.client.post(url, data=data).status_code == 302

    stranger = login(other_member)
    page = stranger.get(f"/t/{topic.id}").text
    assert f"/p/{answer.id}/unaccept" not in page  # not theirs to choose
    data = _actions_form(page)
    refused = stranger.client.post(f"/p/{answer.id}/unaccept", data=data, headers=HX)
    _refusal(refused, 403, "Only the member who asked can choose the solution.")
    assert _accepted(topic.id) == answer.id


def test_follow_and_unfollow_with_and_without_htmx(login, member, make_user, question):
    topic, _answer = question
    reader = make_user("dora")
    browser = login(reader)
    page_url = f"/t/{topic.id}"
    followed = _hx(browser, page_url, f"/t/{topic.id}/follow")
    assert followed.status_code == 200
    assert followed.text.startswith('<span class="follow"><button form="actions" ')
    assert f'formaction="/t/{topic.id}/unfollow" class="link">Stop following<' in followed.text
    assert followed.text in browser.get(page_url).text
    unfollowed = _hx(browser, page_url, f"/t/{topic.id}/unfollow")
    assert ">Follow</button>" in unfollowed.text
    url, data = _press(browser.get(page_url).text, f"/t/{topic.id}/follow")
    assert browser.client.post(url, data=data).status_code == 302
    follows = select(TopicFollow.following).where(TopicFollow.user_id == reader.id)
    assert db.session.scalar(follows) is True
    url, data = _press(browser.get(page_url).text, f"/t/{topic.id}/unfollow")
    assert browser.client.post(url, data=data).status_code == 302
    assert db.session.scalar(follows) is False


def test_following_a_topic_removed_meanwhile_is_refused_in_place(
    login, member, moderator, make_user, question
):
    topic, _answer = question
    browser = login(make_user("dora"))
    url, data = _press(browser.get(f"/t/{topic.id}").text, f"/t/{topic.id}/follow")
    opening = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.position == 0))
    delete_post(moderator, opening)
    commit()
    _refusal(browser.client.post(url, data=data, headers=HX), 404, "It was removed")


def test_deleting_ones_post_with_htmx_asks_first_then_answers_in_place(
    login, member, other_member, question
):
    topic, answer = question
    author = login(other_member)
    page = author.get(f"/t/{topic.id}").text
    link = f'<a href="/p/{answer.id}/delete" hx-post="/p/{answer.id}/delete" hx-include="#actions"'
    confirm = ' hx-confirm="Delete this post?" hx-target="closest article" hx-swap="outerHTML"'
    assert link + confirm in page
    data = _actions_form(page)
    response = author.client.post(f"/p/{answer.id}/delete", data=data, headers=HX)
    assert response.status_code == 200 and 'role="status">Post deleted.</p>' in response.text
    assert _deleted_at(answer.id) is not None

    asker = login(member)
    opening = db.session.scalar(
        select(Post.id).where(Post.topic_id == topic.id, Post.position == 0)
    )
    page = asker.get(f"/t/{topic.id}").text
    data = _actions_form(page)
    response = asker.client.post(f"/p/{opening}/delete", data=data, headers=HX)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/c/help"


def test_votes_sent_twice_at_once_by_htmx_count_once(login, member, question):
    topic, answer = question
    url, data = _press(login(member).get(f"/t/{topic.id}").text, f"/p/{answer.id}/vote")
    clicks = [login(member) for _ in range(8)]

    answers = at_once(8, lambda i: clicks[i].client.post(url, data=data, headers=HX))

    assert [r.status_code for r in answers] == [200] * 8
    assert all('aria-pressed="true"' in r.text and "Helpful · 1" in r.text for r in answers)
    votes = select(func.count()).select_from(PostVote).where(PostVote.post_id == answer.id)
    assert db.session.scalar(votes) == 1
    assert _vote_count(answer.id) == 1


def test_unvote_is_refused_in_place_once_the_vote_is_locked(app, login, member, question):
    topic, answer = question
    voting.vote(member, answer)
    commit()
    app.config["VOTE_CHANGE_WINDOW_SECONDS"] = -1
    refused = _hx(login(member), f"/t/{topic.id}", f"/p/{answer.id}/unvote")
    _refusal(refused, 409, "Your vote is locked")
    assert _vote_count(answer.id) == 1


def test_deleting_ones_question_without_javascript_goes_to_its_category(login, member, make_topic):
    topic = make_topic(member, title="Never mind")
    asker = login(member)
    opening = db.session.scalar(
        select(Post.id).where(Post.topic_id == topic.id, Post.position == 0)
    )
    confirmation = asker.get(f"/p/{opening}/delete").text
    assert "The whole topic will be removed" in confirmation
    url, data = form_submission(confirmation, f"/p/{opening}/delete")
    response = asker.client.post(url, data=data)
    assert response.status_code == 302 and response.location.endswith("/c/help")
    assert _deleted_at(opening) is not None
