"""Referrals and rewards as one story in a real browser (issue 16): a member shares the
link, a friend signs up through it and answers a question, the referrer sees the
conversion and the points, redeems a reward, staff ship it, the member sees it shipped.

Three browser contexts (referrer, friend, staff) go through the real pages; only the
passing of the stay window is done through the services, as tests/e2e/test_referrals.py
does, by running the conversion job at a later date.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import Page, expect

from app.accounts import services as account_services
from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.forum import services as forum_services
from app.forum.models import Category
from tests.e2e.conftest import PASSWORD, LiveServer
from tests.e2e.test_questions import log_in, register

pytestmark = pytest.mark.e2e

ANSWER = "Soak the milk wand in warm water overnight, then purge it twice."
# 25 for the conversion (TRIBUNE_REFERRAL_POINTS) and 2 for starting the topic.
LIFETIME = 25 + 2
COST = 20


def _lifetime_points(live_server: LiveServer, username: str) -> int:
    with live_server.services():
        points = db.session.scalar(select(User.points).where(User.username == username))
        db.session.remove()
    return int(points or 0)


def _balance(page: Page) -> Any:
    return page.locator(".reward-balance strong")


def test_a_referral_earns_points_the_referrer_spends_on_a_reward_that_staff_ship(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.services():
        account_services.create_user("brand_sam", "sam@example.com", PASSWORD, role="staff")
        referrer = live_server.create_user("ref_rosa")
        category = db.session.scalars(select(Category)).first()
        topic = forum_services.create_topic(
            referrer, category, title="Why does my milk wand clog?", body="It sputters."
        )
        commit()
        topic_path = f"/t/{topic.id}"
        db.session.remove()

    # The referrer reads their link from the referral page.
    page = new_context().new_page()
    page.goto("/login")
    log_in(page, "ref_rosa")
    page.goto("/me/referrals")
    expect(page.get_by_role("heading", name="Invite friends")).to_be_visible()
    link = page.get_by_label("Your link").input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/r/[a-z0-9]{{8}}", link), link
    expect(page.get_by_text("No referral yet")).to_be_visible()

    # A friend, in a browser of their own, follows it, signs up and answers.
    friend = new_context().new_page()
    friend.goto(link)
    expect(friend).to_have_url(re.compile(r"/register$"))
    register(friend, live_server, "friend_felix")
    friend.goto(topic_path)
    friend.get_by_label("Your answer").fill(ANSWER)
    friend.get_by_role("button", name="Post your answer").click()
    expect(friend.get_by_role("heading", name="1 answer")).to_be_visible()

    page.reload()
    row = page.locator("table.referral-list tr", has_text="friend_felix")
    expect(row).to_contain_text("Signed up, not yet counted")

    # The stay window passes with the answer still there: the job converts the referral.
    with live_server.services():
        run = run_job("convert-referrals", as_of=now_utc() + timedelta(days=8))
        assert run.figures == {"converted": 1, "refused": 0}, run.error
        db.session.remove()

    page.reload()
    expect(row).to_contain_text("Counted")
    expect(page.get_by_text("1 referral counted")).to_be_visible()
    expect(page.get_by_text("25 points earned")).to_be_visible()
    assert _lifetime_points(live_server, "ref_rosa") == LIFETIME
    page.goto("/u/ref_rosa")
    expect(page.locator("section.points")).to_contain_text(f"{LIFETIME} points")
    expect(page.locator("section.points .badge-list")).to_contain_text("Referrer")

    # Staff add a reward the referrer can afford, through the staff form.
    staff = new_context().new_page()
    staff.goto("/login")
    log_in(staff, "brand_sam")
    staff.goto("/staff/rewards")
    staff.get_by_role("link", name="New reward").click()
    staff.locator("#title_en").fill("Milk jug")
    staff.locator("#title_fr").fill("Pot à lait")
    staff.get_by_label("Cost in points").fill(str(COST))
    staff.get_by_label("Stock").fill("3")
    staff.get_by_role("button", name="Add the reward").click()
    expect(staff.get_by_role("status")).to_contain_text("Reward added to the catalogue.")

    # The referrer redeems it through the catalogue and its confirmation page.
    page.goto("/rewards")
    expect(_balance(page)).to_have_text(str(LIFETIME))
    card = page.locator(".reward-card", has_text="Milk jug")
    card.get_by_role("link", name="Redeem").click()
    page.get_by_role("button", name=f"Confirm: spend {COST} points").click()
    expect(page.get_by_role("status")).to_contain_text("Redeemed: Milk jug.")
    expect(_balance(page)).to_have_text(str(LIFETIME - COST))
    expect(page.locator(".redemption-list")).to_contain_text("Requested")

    # Staff ship it with a tracking note.
    staff.goto("/staff/rewards/redemptions")
    shipment = staff.locator("table.redemptions tbody tr", has_text="ref_rosa")
    shipment.get_by_label("Tracking note").fill("Colissimo 8R0099")
    shipment.get_by_role("button", name="Mark shipped").click()
    expect(staff.get_by_role("status")).to_contain_text("Delivered; the member is told.")

    # The referrer sees it shipped, with the note, and is notified.
    page.goto("/me/rewards")
    entry = page.locator(".redemption-list li", has_text="Milk jug")
    expect(entry.locator(".state")).to_have_text("Shipped")
    expect(entry).to_contain_text("Tracking: Colissimo 8R0099")
    expect(_balance(page)).to_have_text(str(LIFETIME - COST))
    page.goto("/notifications/")
    expect(page.locator(".notifications li", has_text="Your reward is on its way")).to_contain_text(
        "Milk jug (Colissimo 8R0099)"
    )

    # Spending lowered the spendable balance, never the lifetime points.
    assert _lifetime_points(live_server, "ref_rosa") == LIFETIME
    page.goto("/u/ref_rosa")
    expect(page.locator("section.points")).to_contain_text(f"{LIFETIME} points")
    with live_server.services():
        assert run_job("refresh-leaderboards").outcome == "success"
        db.session.remove()
    page.goto("/leaderboard?period=all")
    ranked = page.locator("table tr", has_text="ref_rosa")
    expect(ranked.locator("td").last).to_have_text(str(LIFETIME))
