"""Rewards in a real browser (issue 16, Proof): staff add a reward, a member redeems it
from the catalogue, staff ship it with a tracking note, the member sees it shipped."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import Page, expect

from app.accounts import services as account_services
from app.badges.points import Award, record
from app.core.clock import now_utc
from app.core.events import commit
from tests.e2e.conftest import PASSWORD, LiveServer
from tests.e2e.test_questions import log_in, log_out

pytestmark = pytest.mark.e2e


def test_a_member_redeems_a_reward_staff_ship_it_and_the_member_sees_it_shipped(
    live_server: LiveServer, new_context
) -> None:
    with live_server.services():
        account_services.create_user("brand_rita", "rita@example.com", PASSWORD, role="staff")
        member = live_server.create_user("mia_points")
        record(Award(member.id, "reply_posted", "e2e-rewards-points", now_utc()), points=400)
        commit()
    page: Page = new_context().new_page()

    page.goto("/login")
    log_in(page, "brand_rita")
    page.goto("/staff/rewards")
    page.get_by_role("link", name="New reward").click()
    page.locator("#title_en").fill("Barista apron")
    page.locator("#title_fr").fill("Tablier de barista")
    page.get_by_label("Cost in points").fill("150")
    page.get_by_label("Stock").fill("5")
    page.get_by_role("button", name="Add the reward").click()
    expect(page.get_by_role("status")).to_contain_text("Reward added to the catalogue.")
    log_out(page)

    page.goto("/login")
    log_in(page, "mia_points")
    page.goto("/rewards")
    expect(page.locator(".reward-balance strong")).to_have_text("400")
    card = page.locator(".reward-card", has_text="Barista apron")
    card.get_by_role("link", name="Redeem").click()
    page.get_by_role("button", name="Confirm: spend 150 points").click()
    expect(page.get_by_role("status")).to_contain_text("Redeemed: Barista apron.")
    expect(page.locator(".reward-balance strong")).to_have_text("250")
    expect(page.locator(".redemption-list")).to_contain_text("Requested")
    log_out(page)

    page.goto("/login")
    log_in(page, "brand_rita")
    page.goto("/staff/rewards/redemptions")
    row = page.locator("table.redemptions tbody tr", has_text="mia_points")
    row.get_by_label("Tracking note").fill("Colissimo 8R0042")
    row.get_by_role("button", name="Mark shipped").click()
    expect(page.get_by_role("status")).to_contain_text("Delivered; the member is told.")
    log_out(page)

    page.goto("/login")
    log_in(page, "mia_points")
    page.goto("/me/rewards")
    entry = page.locator(".redemption-list li", has_text="Barista apron")
    expect(entry.locator(".state")).to_have_text("Shipped")
    expect(entry).to_contain_text("Tracking: Colissimo 8R0042")
    expect(page.locator(".reward-balance strong")).to_have_text("250")
