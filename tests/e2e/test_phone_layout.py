"""Every page type fits a phone (issue 17, Phones): at 390 x 844 nothing is wider than the
screen, for a visitor, a member, a moderator and staff, and the compact menu opens
without JavaScript."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.site_tour import (
    ADMIN_PAGES,
    EN_LOGIN,
    FR_LOGIN,
    MEMBER_PAGES,
    MODERATOR_PAGES,
    STAFF_PAGES,
    VISITOR_PAGES,
    Tour,
    build_community,
    log_in,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
# Set TRIBUNE_SHOTS to a folder to keep a full-page screenshot of every page visited.
SHOTS = os.environ.get("TRIBUNE_SHOTS")

# The script measures the page as the phone shows it: the document's width, and every
# element whose right edge passes the viewport (outside a box that scrolls on its own).
WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  const inScroller = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string'
       ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= limit + 0.5 || inScroller(el)) continue;
    if (getComputedStyle(el).position === 'absolute' && box.right < 0) continue;
    wide.push(name(el) + ' right=' + Math.round(box.right));
  }
  return {width: document.documentElement.scrollWidth, limit: limit, wide: wide.slice(0, 8)};
}"""


@pytest.fixture(scope="module")
def tour(live_server: LiveServer) -> Tour:
    return build_community(live_server)


def _phone(new_context: Callable[..., BrowserContext], locale: str = "en-US") -> Page:
    return new_context(viewport=PHONE, locale=locale).new_page()


def _assert_fits(page: Page, path: str, who: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, who)
    measured: dict[str, Any] = page.evaluate(WIDEST)
    if SHOTS:
        name = f"{who}-{path.strip('/').replace('/', '_').replace('?', '_') or 'home'}.png"
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)
    assert measured["width"] <= PHONE["width"] and not measured["wide"], (
        f"{path} for {who} is {measured['width']} px wide on a {PHONE['width']} px screen;"
        f" too wide: {measured['wide']}"
    )


def _visit_all(page: Page, paths: list[str], tour: Tour, who: str) -> None:
    for path in paths:
        _assert_fits(page, tour.resolve(path), who)


def test_every_page_fits_a_phone_for_a_visitor(live_server, new_context, tour) -> None:
    _visit_all(_phone(new_context), VISITOR_PAGES, tour, "visitor")


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_every_page_fits_a_phone_for_a_member(live_server, new_context, tour, locale) -> None:
    page = _phone(new_context, locale)
    log_in(page, "member_mia", FR_LOGIN if locale == "fr-FR" else EN_LOGIN)
    _visit_all(page, MEMBER_PAGES, tour, f"member-{locale[:2]}")


def test_managers_pages_fit_a_phone(live_server, new_context, tour) -> None:
    page = _phone(new_context)
    log_in(page, "mod_moe")
    _visit_all(page, MODERATOR_PAGES, tour, "moderator")
    page.locator("header.site details.menu > summary").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, "staff_sam")
    _visit_all(page, STAFF_PAGES, tour, "staff")


def test_administrators_pages_fit_a_phone(live_server, new_context, tour) -> None:
    page = _phone(new_context)
    log_in(page, "ada")
    _visit_all(page, ADMIN_PAGES, tour, "admin")


def test_the_compact_menu_opens_without_javascript(live_server, new_context, tour) -> None:
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    log_in(page, "member_mia")
    menu = page.locator("header.site details.menu")
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    menu.locator("summary").click()
    expect(log_out).to_be_visible()
    box = log_out.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    log_out.click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")


def test_the_desktop_menu_shows_every_link(live_server, new_context, tour) -> None:
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, "member_mia")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("header.site details.menu summary")).to_be_hidden()


def test_the_kind_choices_sit_beside_their_labels(live_server, new_context, tour) -> None:
    page = _phone(new_context)
    log_in(page, "member_mia")
    page.goto("/new")
    labels = page.locator("form fieldset label:has(input[name=kind])")
    expect(labels).to_have_count(2)
    for label in labels.all():
        radio, whole = label.locator("input").bounding_box(), label.bounding_box()
        assert radio is not None and whole is not None
        # One line: a small radio button, then its text, not the button above the text.
        assert radio["width"] < 30 and whole["height"] < radio["height"] + 16, (radio, whole)
