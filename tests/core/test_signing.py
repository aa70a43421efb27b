"""Session cookies and CSRF tokens are remembered per process, and still checked."""

import re
import time

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_tampered_session_cookie_is_refused_after_the_real_one_was_seen(
    app, member, make_topic, login
):
    topic = make_topic(member)
    browser = login(member)
    assert "Log out" in browser.get(f"/t/{topic.id}").text  # verified, then remembered
    cookie = _cookie(browser.client)
    forged = cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB")
    stranger = app.test_client()
    stranger.set_cookie("session", forged)
    assert "Log out" not in stranger.get(f"/t/{topic.id}").text
    stranger.set_cookie("session", cookie)
    assert "Log out" in stranger.get(f"/t/{topic.id}").text


def test_an_expired_session_cookie_is_refused_though_it_was_seen_before(
    app, member, make_topic, login, monkeypatch
):
    topic = make_topic(member)
    browser = login(member)
    for _ in range(2):  # the cookie the first page sets is remembered by the second
        assert "Log out" in browser.get(f"/t/{topic.id}").text
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert "Log out" not in browser.get(f"/t/{topic.id}").text


def test_changes_to_a_remembered_session_stay_with_their_own_cookie(
    app, member, other_member, make_topic, make_answer, login
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    browser = login(member)
    for _ in range(2):
        browser.get(f"/t/{topic.id}")
    before = _cookie(browser.client)  # remembered: the second page left it unchanged
    assert browser.post(f"/p/{answer.id}/accept").status_code == 302  # flashes a message
    replay = app.test_client()
    replay.set_cookie("session", before)
    assert "Marked as the solution." not in replay.get(f"/t/{topic.id}").text
    assert "Marked as the solution." in browser.get(f"/t/{topic.id}").text


def test_a_remembered_csrf_token_works_for_its_own_session_only(
    member, other_member, make_topic, login
):
    topic = make_topic(member)
    alice, bruno = login(member), login(other_member)
    shown = TOKEN.search(alice.get(f"/t/{topic.id}").text).group(1)
    assert TOKEN.search(alice.get(f"/t/{topic.id}").text).group(1) == shown
    assert TOKEN.search(bruno.get(f"/t/{topic.id}").text).group(1) != shown
    follow = f"/t/{topic.id}/follow"
    assert alice.client.post(follow, data={"csrf_token": shown}).status_code == 302
    assert bruno.client.post(follow, data={"csrf_token": shown}).status_code == 400
