"""Typing a question's title on the new-topic form lists similar questions (htmx)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import expect

from app.core.events import commit
from app.extensions import db
from app.forum import services as forum_services
from app.forum.models import Category
from tests.e2e.conftest import CATEGORY_SLUG, PASSWORD, LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def asker(live_server: LiveServer) -> str:
    with live_server.services():
        category = db.session.scalars(db.select(Category).filter_by(slug=CATEGORY_SLUG)).one()
        author = live_server.create_user("similar_sam")
        forum_services.create_topic(
            author, category, title="The milk frother stopped heating", body="Since Monday."
        )
        commit()
    return "similar_sam"


def test_similar_questions_appear_while_the_title_is_typed(
    live_server: LiveServer, new_context: Callable[..., Any], asker: str
) -> None:
    page = new_context().new_page()
    page.goto("/login")
    page.get_by_label("Username or email").fill(asker)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    page.goto("/new")
    region = page.locator("#similar-questions")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_be_empty()
    page.get_by_label("Title").press_sequentially("My frother is not heating", delay=20)
    link = region.get_by_role("link", name="The milk frother stopped heating")
    expect(link).to_be_visible()
    expect(region.locator("mark")).to_have_count(2)  # "frother", "heating"
    page.get_by_label("Title").fill("")
    page.get_by_label("Title").press_sequentially("zebra", delay=20)
    expect(link).to_have_count(0)
