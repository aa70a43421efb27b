"""Instant actions in a real browser (htmx): votes, solutions, follows, flags and
notifications read change the page in place, without a navigation; and the whole
question-and-answer flow works with the keyboard alone, its focus always visible."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import Page, expect

from app.accounts.models import User
from app.core.events import commit
from app.core.notifications import Notification
from app.extensions import db
from app.forum import services as forum_services
from app.forum.categories import visible_categories
from app.forum.deletion import delete_post
from app.forum.models import Post, Topic
from app.moderation.models import Flag
from tests.e2e.conftest import PASSWORD, LiveServer

pytestmark = pytest.mark.e2e

MARKER = "window.tribuneMarker"


def _log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(f'header.site a[href$="/u/{username}"]').first).to_be_attached()


def _stays(page: Page) -> list[str]:
    """Mark the page (a value only this document holds) and count its navigations."""
    page.wait_for_load_state()
    page.evaluate(f"{MARKER} = 'still here'")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url)
            if frame == page.main_frame else None)  # fmt: skip
    return navigations


def _not_reloaded(page: Page, navigations: list[str]) -> None:
    assert page.evaluate(MARKER) == "still here", "the page was reloaded"
    assert navigations == [], navigations


def _question(live: LiveServer, asker: str, helper: str) -> tuple[int, int]:
    """A question by ``asker`` answered by ``helper``: (topic id, answer id)."""
    with live.services():
        alice, bruno = live.create_user(asker), live.create_user(helper)
        category = visible_categories(alice)[0]
        topic = forum_services.create_topic(
            alice, category, title="The grinder squeaks", body="Since yesterday.", tags=""
        )
        db.session.flush()
        answer = forum_services.reply(bruno, topic, body="Clean the burrs with rice.")
        commit()
        ids = topic.id, answer.id
        db.session.remove()
    return ids


def test_vote_accept_follow_flag_and_read_without_a_reload(
    live_server: LiveServer, new_context: Any
) -> None:
    topic_id, answer_id = _question(live_server, "ina_asks", "ben_helps")
    page = new_context().new_page()
    _log_in(page, "ina_asks")
    page.goto(f"/t/{topic_id}")
    navigations = _stays(page)
    answer = page.locator(f"#post-{answer_id}")

    vote = answer.get_by_role("button", name="Helpful")
    expect(vote).to_have_attribute("aria-pressed", "false")
    vote.click()
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(vote).to_have_text("Helpful · 1")

    answer.get_by_role("button", name="Mark as solution").click()
    expect(answer.get_by_role("button", name="Unmark solution")).to_be_visible()
    expect(answer.locator("header .solved")).to_have_text("✔ Solution")
    expect(page.locator(".page-head .solved")).to_have_text("✔ Solved")

    follow = page.locator(".page-head").get_by_role("button", name="Stop following")
    follow.click()
    expect(page.locator(".page-head").get_by_role("button", name="Follow")).to_be_visible()

    answer.get_by_role("link", name="Flag").click()
    form = answer.locator("form.flag-form")
    expect(form).to_be_focused()  # the keyboard goes on from the form, not from the top
    form.get_by_label("Spam").check()
    form.get_by_role("button", name="Flag").click()
    expect(answer.get_by_role("status")).to_have_text(
        "Thank you: the moderators will look at this post."
    )
    _not_reloaded(page, navigations)

    with live_server.services():
        topic = db.session.get(Topic, topic_id)
        assert topic.accepted_post_id == answer_id
        assert db.session.get(Post, answer_id).vote_count == 1
        assert db.session.scalar(select(Flag.reason).where(Flag.post_id == answer_id)) == "spam"
        db.session.remove()

    # The answer (and the first badges) notified the asker: the bell counts them until
    # they are marked read, one, then all.
    page.goto("/notifications/")
    navigations = _stays(page)
    bell = page.locator("#bell")
    unread = int(bell.locator(".count").inner_text())
    assert unread >= 2
    expect(page.locator(".notifications .unread")).to_have_count(unread)
    page.get_by_role("button", name="Mark read").first.click()
    expect(bell.locator(".count")).to_have_text(str(unread - 1))
    expect(page.locator(".notifications li").first).to_be_focused()
    expect(page.locator(".notifications .unread")).to_have_count(unread - 1)
    page.get_by_role("button", name="Mark all read").click()
    expect(bell.locator(".count")).to_have_count(0)
    expect(bell).to_have_attribute("aria-label", "0 unread notifications")
    expect(page.locator(".notifications .unread")).to_have_count(0)
    _not_reloaded(page, navigations)
    with live_server.services():
        ina = db.session.scalar(select(User).where(User.username == "ina_asks"))
        unread = select(Notification.id).where(
            Notification.user_id == ina.id, Notification.read_at.is_(None)
        )
        assert db.session.scalars(unread).all() == []
        db.session.remove()


def test_a_refused_vote_says_why_beside_its_button(
    live_server: LiveServer, new_context: Any
) -> None:
    topic_id, answer_id = _question(live_server, "ivy_asks", "bob_helps")
    page = new_context().new_page()
    _log_in(page, "ivy_asks")
    page.goto(f"/t/{topic_id}")
    navigations = _stays(page)
    with live_server.services():  # removed while the page is open
        bob = db.session.scalar(select(User).where(User.username == "bob_helps"))
        delete_post(bob, db.session.get(Post, answer_id))
        commit()
        db.session.remove()
    vote = page.locator(f"#post-{answer_id}").get_by_role("button", name="Helpful")
    vote.click()
    alert = page.locator(f'#post-{answer_id} footer button[formaction$="/vote"] + p.refusal')
    expect(alert).to_have_text("It was removed, or you may not see it.")
    vote.click()  # again: one message, not two
    expect(page.locator(f"#post-{answer_id} .refusal")).to_have_count(1)
    expect(vote).to_have_attribute("aria-pressed", "false")
    _not_reloaded(page, navigations)


def test_deleting_ones_answer_asks_first(live_server: LiveServer, new_context: Any) -> None:
    topic_id, answer_id = _question(live_server, "uma_asks", "vic_helps")
    page = new_context().new_page()
    _log_in(page, "vic_helps")
    page.goto(f"/t/{topic_id}")
    navigations = _stays(page)
    asked: list[str] = []

    def answer_dialog(dialog: Any, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer_dialog(dialog, False))
    page.locator(f"#post-{answer_id}").get_by_role("link", name="Delete").click()
    assert asked == ["Delete this post?"]
    expect(page.locator(f"#post-{answer_id}")).to_contain_text("Clean the burrs with rice.")
    with live_server.services():
        assert db.session.get(Post, answer_id).deleted_at is None
        db.session.remove()

    page.once("dialog", lambda dialog: answer_dialog(dialog, True))
    page.locator(f"#post-{answer_id}").get_by_role("link", name="Delete").click()
    expect(page.locator(f"#post-{answer_id}")).to_have_text("Post deleted.")
    expect(page.get_by_text("Clean the burrs with rice.")).to_have_count(0)
    _not_reloaded(page, navigations)
    with live_server.services():
        assert db.session.get(Post, answer_id).deleted_at is not None
        db.session.remove()


# -- the keyboard alone ----------------------------------------------------------------


def _focus_state(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {tag: e.tagName, id: e.id, name: e.getAttribute('name'),
                formaction: e.getAttribute('formaction'),
                text: (e.textContent || '').trim(), href: e.getAttribute('href'),
                visible: e.matches(':focus-visible'), outline: s.outlineStyle,
                width: parseFloat(s.outlineWidth)}; }"""
    )


def _assert_focus_visible(page: Page) -> dict[str, Any]:
    state = _focus_state(page)
    assert state["visible"] and state["outline"] != "none" and state["width"] >= 2, state
    return state


def _tab_to(page: Page, matches: Any, limit: int = 120) -> dict[str, Any]:
    """Press Tab until the focused element is the one ``matches`` wants; its focus shows."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = _focus_state(page)
        if matches(state):
            return _assert_focus_visible(page)
    raise AssertionError("Tab never reached the element")


def _keyboard_log_in(page: Page, username: str) -> None:
    page.goto("/login")
    _tab_to(page, lambda s: s["name"] == "login")
    page.keyboard.type(username)
    _tab_to(page, lambda s: s["name"] == "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator(f'header.site a[href$="/u/{username}"]').first).to_be_attached()


def _keyboard_log_out(page: Page) -> None:
    _tab_to(page, lambda s: s["tag"] == "BUTTON" and s["text"] == "Log out")
    page.keyboard.press("Enter")
    expect(page.locator("header.site").get_by_role("link", name="Log in").first).to_be_attached()


def test_ask_answer_vote_and_accept_with_the_keyboard_alone(
    live_server: LiveServer, new_context: Any
) -> None:
    with live_server.services():
        live_server.create_user("kim_asks")
        live_server.create_user("lou_helps")
        db.session.remove()
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()

    _keyboard_log_in(page, "kim_asks")
    _tab_to(page, lambda s: s["href"] == "/new")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="New topic")).to_be_visible()
    _tab_to(page, lambda s: s["name"] == "title")
    page.keyboard.type("The milk frother stays cold")
    _tab_to(page, lambda s: s["name"] == "body")
    page.keyboard.type("It hums but never heats.")
    _tab_to(page, lambda s: s["tag"] == "BUTTON" and s["text"] == "Publish")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="The milk frother stays cold")).to_be_visible()
    topic_url = page.url
    _keyboard_log_out(page)

    _keyboard_log_in(page, "lou_helps")
    page.goto(topic_url)
    _tab_to(page, lambda s: s["name"] == "body")
    page.keyboard.type("Descale the steam wand, then prime it.")
    _tab_to(page, lambda s: s["tag"] == "BUTTON" and s["text"] == "Post your answer")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Descale the steam wand, then prime it.")).to_be_visible()
    _keyboard_log_out(page)

    _keyboard_log_in(page, "kim_asks")
    page.goto(topic_url)
    navigations = _stays(page)
    answer = page.locator("section.answers article.post").first
    answer_id = int((answer.get_attribute("id") or "").removeprefix("post-"))
    post = f"/p/{answer_id}"
    _tab_to(page, lambda s: s["formaction"] == f"{post}/vote")
    page.keyboard.press("Space")
    vote = answer.locator(f'footer button[formaction="{post}/unvote"]')
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(vote).to_have_text("Helpful · 1")
    # The buttons were swapped in: the focus is on the button in the same place, and shows.
    expect(vote).to_be_focused()
    _assert_focus_visible(page)

    _tab_to(page, lambda s: s["formaction"] == f"{post}/accept")
    page.keyboard.press("Enter")
    unmark = answer.locator(f'footer button[formaction="{post}/unaccept"]')
    expect(unmark).to_have_text("Unmark solution")
    expect(answer.locator("header .solved")).to_have_text("✔ Solution")
    expect(unmark).to_be_focused()
    _assert_focus_visible(page)
    _not_reloaded(page, navigations)

    with live_server.services():
        topic = db.session.scalar(select(Topic).where(Topic.title == "The milk frother stays cold"))
        assert topic.accepted_post_id == answer_id
        assert db.session.get(Post, answer_id).vote_count == 1
        db.session.remove()
