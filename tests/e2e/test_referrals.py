"""The referral program in a real browser: a member shares their link, a friend signs up
through it and answers a question, and once the answer has stayed the referrer sees the
conversion and the points."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import expect

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.forum import services as forum_services
from app.forum.models import Category
from tests.e2e.conftest import LiveServer
from tests.e2e.test_questions import log_in, register

pytestmark = pytest.mark.e2e

ANSWER = "Run the descaling program with the water tank full, then rinse twice."


def test_a_friend_brought_through_the_link_counts_once_their_answer_stayed(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.services():
        sharer = live_server.create_user("sharer")
        category = db.session.scalars(select(Category)).first()
        topic = forum_services.create_topic(
            sharer, category, title="How often should I descale?", body="Mine beeps weekly."
        )
        commit()
        topic_path = f"/t/{topic.id}"
        db.session.remove()

    # The member opens their referral page, copies the link and shares it.
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto("/login")
    log_in(page, "sharer")
    page.goto("/me/referrals")
    expect(page.get_by_role("heading", name="Invite friends")).to_be_visible()
    link = page.get_by_label("Your link").input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/r/[a-z0-9]{{8}}", link), link
    page.get_by_role("button", name="Copy the link").click()
    expect(page.locator("#copy-status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    expect(page.locator("svg.qr")).to_be_visible()
    expect(page.get_by_text("No referral yet")).to_be_visible()

    # A friend, in a browser of their own, follows it, signs up and answers.
    friend = new_context().new_page()
    friend.goto(link)
    expect(friend).to_have_url(re.compile(r"/register$"))
    register(friend, live_server, "friendly")
    friend.goto(topic_path)
    friend.get_by_label("Your answer").fill(ANSWER)
    friend.get_by_role("button", name="Post your answer").click()
    expect(friend.get_by_role("heading", name="1 answer")).to_be_visible()

    # The referrer sees the referral, not yet counted.
    page.reload()
    row = page.locator("table.referral-list tr", has_text="friendly")
    expect(row).to_contain_text("Signed up, not yet counted")

    # The answer is still there after the stay window: the job converts the referral.
    with live_server.services():
        assert run_job("convert-referrals", as_of=now_utc() + timedelta(days=6)).figures == {
            "converted": 0, "refused": 0,
        }  # fmt: skip
        run = run_job("convert-referrals", as_of=now_utc() + timedelta(days=8))
        assert run.figures == {"converted": 1, "refused": 0}, run.error
        points = db.session.scalar(select(User.points).where(User.username == "sharer"))
        db.session.remove()

    page.reload()
    expect(row).to_contain_text("Counted")
    expect(page.get_by_text("1 referral counted")).to_be_visible()
    expect(page.get_by_text("25 points earned")).to_be_visible()
    assert points == 25 + 2  # and 2 for starting the topic
    page.goto("/badges/referrer")
    expect(page.locator("#main").get_by_role("link", name="sharer")).to_be_visible()
