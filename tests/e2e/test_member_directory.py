"""The member directory in a real browser (issue 14): the hub opens it, its form filters,
a row opens the member's page, and on a phone the page never scrolls sideways (the table
scrolls in its own box)."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import expect

from app.accounts import services as account_services
from app.core.events import commit
from tests.e2e.conftest import PASSWORD, LiveServer
from tests.e2e.test_questions import log_in

pytestmark = pytest.mark.e2e

ADMIN = "dir_admin"


def _members(live: LiveServer) -> None:
    with live.services():
        account_services.create_user(ADMIN, f"{ADMIN}@example.com", PASSWORD, role="admin")
        account_services.create_user("dir_claire", "dir_claire@example.com", PASSWORD,
                                     role="moderator")  # fmt: skip
        for n in range(8):
            live.create_user(f"dir_member{n}")
        commit()


def test_the_hub_opens_the_directory_whose_form_filters_and_rows_open_members(
    live_server, new_context
):
    _members(live_server)
    page = new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    page.goto("/login")
    log_in(page, ADMIN)
    page.goto("/admin/")
    page.get_by_role("link", name="Members", exact=True).click()
    expect(page.get_by_role("heading", name="Members")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Role").select_option("moderator")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 member found.")).to_be_visible()
    assert "role=moderator" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="dir_claire").click()
    expect(page.get_by_role("heading", name="Moderation of dir_claire")).to_be_visible()
