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

from app.accounts import services as account_services
from app.core.events import commit
from app.extensions import db
from app.forum import services as forum_services
from app.forum.models import Category
from tests.e2e.conftest import CATEGORY_SLUG, PASSWORD, LiveServer

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

BROWSING = ["/", f"/c/{CATEGORY_SLUG}", "TOPIC", "/leaderboard", "/badges",
            "/search?q=descaling", "/u/member_mia"]  # fmt: skip
VISITOR_PAGES = [*BROWSING, "/login", "/register"]
MEMBER_PAGES = [*BROWSING, "/new", "/notifications/", "/me/ambassador", "/account/profile",
                "/account/password", "/rewards", "/me/rewards"]  # fmt: skip
MODERATOR_PAGES = ["/manage/queue", "/manage/log", "/manage/members/member_mia",
                   "/manage/ambassadors", "/manage/first-posts", "/manage/health",
                   "TOPIC", "/t/TOPIC_ID/manage"]  # fmt: skip
STAFF_PAGES = ["/staff/campaigns", "/staff/campaigns/new", "/", "/staff/rewards",
               "/staff/rewards/new", "/staff/rewards/redemptions"]  # fmt: skip
ADMIN_PAGES = ["/admin/", "/admin/members", "/admin/roles", "/admin/categories/", "/admin/jobs/",
               "/admin/mail/", "/admin/points", "/admin/tokens/"]  # fmt: skip


def _community(live: LiveServer) -> int:
    """A question with an answer, a member with a long name, a moderator and staff."""
    with live.services():
        category = db.session.scalars(db.select(Category).filter_by(slug=CATEGORY_SLUG)).one()
        member = live.create_user("member_mia")
        helper = live.create_user("a_rather_long_member_name_x")
        topic = forum_services.create_topic(
            member,
            category,
            title="The espresso machine blinks red after descaling, every single morning",
            body="I ran the descaling program twice.\n\n    a_long_line_of_code " + "x" * 120,
        )
        commit()
        forum_services.reply(helper, topic, body="Hold the power button for ten seconds.")
        commit()
        for name, role in (("mod_moe", "moderator"), ("staff_sam", "staff"), ("ada", "admin")):
            account_services.create_user(name, f"{name}@example.com", PASSWORD, role=role)
            commit()
        return topic.id


@pytest.fixture(scope="module")
def topic_id(live_server: LiveServer) -> int:
    return _community(live_server)


EN_LOGIN = {"login": "Username or email", "password": "Password", "submit": "Log in"}
FR_LOGIN = {"login": "Pseudo ou e-mail", "password": "Mot de passe",
            "submit": "Se connecter"}  # fmt: skip


def log_in(page: Page, username: str, labels: dict[str, str] = EN_LOGIN) -> None:
    """Log in through the form; on a phone the member's name is behind the compact menu."""
    page.goto("/login")
    page.get_by_label(labels["login"]).fill(username)
    page.get_by_label(labels["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=labels["submit"]).click()
    expect(page.locator("header.site .compact-menu")).to_contain_text(username)


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


def _visit_all(page: Page, paths: list[str], topic_id: int, who: str) -> None:
    for path in paths:
        where = f"/t/{topic_id}" if path == "TOPIC" else path.replace("TOPIC_ID", str(topic_id))
        _assert_fits(page, where, who)


def test_every_page_fits_a_phone_for_a_visitor(live_server, new_context, topic_id) -> None:
    _visit_all(_phone(new_context), VISITOR_PAGES, topic_id, "visitor")


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_every_page_fits_a_phone_for_a_member(live_server, new_context, topic_id, locale) -> None:
    page = _phone(new_context, locale)
    log_in(page, "member_mia", FR_LOGIN if locale == "fr-FR" else EN_LOGIN)
    _visit_all(page, MEMBER_PAGES, topic_id, f"member-{locale[:2]}")


def test_managers_pages_fit_a_phone(live_server, new_context, topic_id) -> None:
    page = _phone(new_context)
    log_in(page, "mod_moe")
    _visit_all(page, MODERATOR_PAGES, topic_id, "moderator")
    page.locator("header.site .compact > summary").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, "staff_sam")
    _visit_all(page, STAFF_PAGES, topic_id, "staff")


def test_administrators_pages_fit_a_phone(live_server, new_context, topic_id) -> None:
    page = _phone(new_context)
    log_in(page, "ada")
    _visit_all(page, ADMIN_PAGES, topic_id, "admin")


def test_the_compact_menu_opens_without_javascript(live_server, new_context, topic_id) -> None:
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    log_in(page, "member_mia")
    menu = page.locator("header.site details.compact")
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    menu.locator("summary").click()
    expect(log_out).to_be_visible()
    box = log_out.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    log_out.click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")


def test_the_desktop_menu_shows_every_link(live_server, new_context, topic_id) -> None:
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, "member_mia")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("header.site details.compact summary")).to_be_hidden()


def test_the_kind_choices_sit_beside_their_labels(live_server, new_context, topic_id) -> None:
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
