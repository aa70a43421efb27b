"""The similar-questions limit in a real browser: past it, a note beside the title says
they are paused; the next answer within the limit takes the note away."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import Page, expect

from app.core.events import commit
from app.extensions import db
from app.forum import services as forum_services
from app.forum.models import Category
from tests.e2e.conftest import CATEGORY_SLUG, LiveServer
from tests.e2e.test_questions import log_in

pytestmark = pytest.mark.e2e

# This module's live server counts requests: two look-ups per five seconds.
LIVE_SERVER_CONFIG = {"RATELIMIT_ENABLED": True, "SEARCH_SIMILAR_LIMIT_PER_IP": "2 per 5 seconds"}
PAUSED = "Similar questions are paused for a moment"


def _type_title(page: Page, title: str) -> int:
    """Type a title and wait for the look-up htmx sends; its status."""
    with page.expect_response(lambda r: "/search/similar" in r.url) as answer:
        page.get_by_label("Title").fill(title)
    return answer.value.status


def test_too_many_look_ups_show_a_note_beside_the_title_until_the_next_answer(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.services():
        category = db.session.scalars(db.select(Category).filter_by(slug=CATEGORY_SLUG)).one()
        author = live_server.create_user("limit_lea")
        forum_services.create_topic(
            author, category, title="The kettle descaler foams", body="A lot."
        )
        commit()
        db.session.remove()

    page = new_context().new_page()
    page.goto("/login")
    log_in(page, "limit_lea")
    page.goto("/new")
    region = page.locator("#similar-questions")
    note = page.locator("p.refusal", has_text=PAUSED)

    assert _type_title(page, "kettle") == 200
    expect(region.get_by_role("link", name="The kettle descaler foams")).to_be_visible()
    assert _type_title(page, "kettle descaler") == 200
    assert _type_title(page, "kettle descaler foam") == 429
    expect(note).to_be_visible()
    expect(note).to_have_attribute("role", "alert")
    # The list already shown stays; the form still works.
    expect(region.get_by_role("link", name="The kettle descaler foams")).to_be_visible()
    expect(page.get_by_role("button", name="Publish")).to_be_enabled()

    time.sleep(5.5)  # the window of the limit passes
    assert _type_title(page, "descaler foams") == 200
    expect(note).to_have_count(0)
    expect(region.get_by_role("link", name="The kettle descaler foams")).to_be_visible()
