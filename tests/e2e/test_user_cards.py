"""User cards in a real browser (issue 17): a click on an author's name opens a small card
(static/js/cards.js), Escape or a click outside closes it, the keyboard works as well as
the mouse, and without JavaScript the name is a link to the profile."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import BrowserContext, Page, expect

from app.core.events import commit
from app.extensions import db
from app.forum import services as forum_services
from app.forum.models import Category
from tests.e2e.conftest import CATEGORY_SLUG, LiveServer
from tests.e2e.test_accessibility import described, violations_on

pytestmark = pytest.mark.e2e

ASKER, HELPER = "carla_cards", "henri_helps"
# Set TRIBUNE_SHOTS to a folder to keep screenshots of the open card.
SHOTS = os.environ.get("TRIBUNE_SHOTS")


@pytest.fixture(scope="module")
def topic_path(live_server: LiveServer) -> str:
    with live_server.services():
        category = db.session.scalars(db.select(Category).filter_by(slug=CATEGORY_SLUG)).one()
        asker, helper = live_server.create_user(ASKER), live_server.create_user(HELPER)
        topic = forum_services.create_topic(
            asker, category, title="The grinder jams on dark beans", body="Every time."
        )
        commit()
        forum_services.reply(helper, topic, body="Clean the burrs with rice tablets.")
        commit()
        return f"/t/{topic.id}"


def _name(page: Page, username: str) -> object:
    """The author's name in the header of their post."""
    return page.locator(f"article.post > header > a:first-child:text-is('{username}')")


def _card(page: Page) -> object:
    return page.get_by_role("dialog")


def _shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def test_a_click_opens_the_card_and_a_click_outside_closes_it(
    new_context: Callable[..., BrowserContext], topic_path: str
) -> None:
    page = new_context().new_page()
    page.goto(topic_path)
    name = _name(page, HELPER)
    expect(name).to_have_attribute("aria-expanded", "false")
    name.click()
    card = _card(page)
    expect(card).to_be_visible()
    expect(card.get_by_role("heading")).to_contain_text(HELPER)
    expect(card).to_contain_text("Member since")
    expect(card).to_contain_text("points")
    expect(card.get_by_role("link", name="View the profile")).to_have_attribute(
        "href", f"/u/{HELPER}"
    )
    expect(name).to_have_attribute("aria-expanded", "true")
    assert page.url.endswith(topic_path), "the click did not follow the link"
    expect(card).to_be_focused()
    _shoot(page, "card-open-light")
    report = described(violations_on(page), "the topic page with a card open")
    assert not report, "\n".join(report)

    # Another name: its card replaces the first.
    _name(page, ASKER).click()
    expect(_card(page)).to_have_count(1)
    expect(_card(page).get_by_role("heading")).to_contain_text(ASKER)
    expect(name).to_have_attribute("aria-expanded", "false")

    page.get_by_role("heading", level=1).click()
    expect(_card(page)).to_have_count(0)
    expect(_name(page, ASKER)).to_have_attribute("aria-expanded", "false")

    # The close button, and a second click on the name, close it too.
    name.click()
    _card(page).get_by_role("button", name="Close").click()
    expect(_card(page)).to_have_count(0)
    expect(name).to_be_focused()
    name.click()
    expect(_card(page)).to_be_visible()
    name.click()
    expect(_card(page)).to_have_count(0)


def test_the_keyboard_opens_the_card_and_escape_gives_the_focus_back(
    new_context: Callable[..., BrowserContext], topic_path: str
) -> None:
    page = new_context().new_page()
    page.goto(topic_path)
    name = _name(page, HELPER)
    name.focus()
    page.keyboard.press("Enter")
    card = _card(page)
    expect(card).to_be_focused()
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Escape")
    expect(card).to_have_count(0)
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-expanded", "false")

    # Tabbing out of the card closes it.
    page.keyboard.press("Enter")
    expect(_card(page)).to_be_focused()
    links = _card(page).locator("a, button").count()
    for _ in range(links + 1):
        page.keyboard.press("Tab")
    expect(_card(page)).to_have_count(0)


def test_names_in_topic_lists_open_cards_in_the_dark_theme_too(
    new_context: Callable[..., BrowserContext], topic_path: str
) -> None:
    page = new_context(color_scheme="dark").new_page()
    page.goto("/")
    page.locator(f".topic-list a[data-card]:text-is('{ASKER}')").first.click()
    expect(_card(page)).to_contain_text(ASKER)
    report = described(violations_on(page), "the home page with a card open, dark")
    assert not report, "\n".join(report)
    page.goto(topic_path)
    _name(page, HELPER).click()
    expect(_card(page)).to_be_visible()
    _shoot(page, "card-open-dark")


def test_the_card_fits_a_phone(new_context: Callable[..., BrowserContext], topic_path: str) -> None:
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(topic_path)
    _name(page, HELPER).click()
    box = _card(page).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    _shoot(page, "card-open-phone")


def test_without_javascript_the_name_is_a_link_to_the_profile(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], topic_path: str
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto(topic_path)
    name = _name(page, HELPER)
    expect(name).not_to_have_attribute("aria-expanded", "false")
    name.click()
    expect(page).to_have_url(f"{live_server.url}/u/{HELPER}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(HELPER)
