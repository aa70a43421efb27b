"""Categories in a real browser: an administrator creates one from the hub."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import Page, expect

from app.accounts import services as account_services
from app.core.events import commit
from tests.e2e.conftest import PASSWORD, LiveServer
from tests.e2e.test_questions import log_in

pytestmark = pytest.mark.e2e


def test_an_administrator_creates_a_category_from_the_hub(
    live_server: LiveServer, new_context
) -> None:
    with live_server.services():
        account_services.create_user("admin_ada", "admin_ada@example.com", PASSWORD, role="admin")
        commit()
    page: Page = new_context().new_page()
    page.goto("/login")
    log_in(page, "admin_ada")
    page.goto("/admin/")
    page.get_by_role("link", name="Categories").click()
    expect(page.get_by_role("heading", name="Categories")).to_be_visible()
    page.get_by_role("link", name="New category").click()
    page.get_by_label("Name").fill("Machines à café")
    page.get_by_label("Description").fill("Grinders, pumps and milk foam.")
    page.get_by_role("button", name="Create the category").click()
    expect(page.get_by_role("status")).to_contain_text("Category “Machines à café” created.")
    row = page.locator("table.categories tbody tr").last
    expect(row).to_contain_text("Machines à café")
    expect(row).to_contain_text("/c/machines-a-cafe")

    page.goto("/")
    link = page.locator("section.categories").get_by_role("link", name="Machines à café")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", name="Machines à café")).to_be_visible()
    expect(page.get_by_text("Grinders, pumps and milk foam.")).to_be_visible()
