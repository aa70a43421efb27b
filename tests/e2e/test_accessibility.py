"""Accessibility (issue 17): axe-core finds no serious or critical violation on any page type,
for a visitor, a member, a moderator, staff and an administrator, in English and French,
and in the dark theme on the pages most read.

axe-core is vendored under tests/e2e/vendor/axe-core (see its README) and injected into
each page after it loaded. Each role and language has one browser context, logged in
once, that walks the role's pages of the shared tour (tests/e2e/site_tour.py); every
violation is collected, and the test fails listing them all: rule, impact, the elements'
selectors, the page, the role and the language.

Run it alone: ``PYTHONPATH=$PWD .venv/bin/pytest tests/e2e/test_accessibility.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import BrowserContext, Page

from tests.e2e.conftest import LiveServer
from tests.e2e.site_tour import (
    ADMIN,
    ADMIN_PAGES,
    EN_LOGIN,
    FR_LOGIN,
    MEMBER,
    MEMBER_PAGES,
    MODERATOR,
    MODERATOR_PAGES,
    STAFF,
    STAFF_PAGES,
    VISITOR_PAGES,
    Tour,
    build_community,
    log_in,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}

ROLES: dict[str, tuple[str | None, list[str]]] = {
    "visitor": (None, VISITOR_PAGES),
    "member": (MEMBER, MEMBER_PAGES),
    "moderator": (MODERATOR, MODERATOR_PAGES),
    "staff": (STAFF, STAFF_PAGES),
    "admin": (ADMIN, ADMIN_PAGES),
}
# The dark theme changes colours only: the pages with the most kinds of text and marks.
DARK_PAGES: dict[str, list[str]] = {
    "visitor": ["/", "TOPIC", "/badges", "/login"],
    "member": ["TOPIC", "/notifications/", "/me/ambassador", "/account/profile"],
    "moderator": [
        "TOPIC",
        "/manage/queue",
        "/manage/log",
        "/manage/ambassadors",
        "/manage/health",
    ],
    "staff": ["/staff/campaigns", "/staff/campaigns/CAMPAIGN_ID"],
    "admin": ["/admin/", "/admin/jobs/"],
}

# What axe.run gives back, reduced to what the failure message names.
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((node) => node.target.join(' ')),
  }));
}"""


@pytest.fixture(scope="module")
def tour(live_server: LiveServer) -> Tour:
    return build_community(live_server)


def violations_on(page: Page, path: str | None = None) -> list[dict[str, Any]]:
    """The serious and critical violations axe finds on the page at path (or on the page
    as it stands, after a form was sent)."""
    if path is not None:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
    # Evaluated through the DevTools connection, like a script typed into the console: the
    # page's Content-Security-Policy (no inline script) stays on, as members get it, where
    # add_script_tag would need it lifted (bypass_csp) and could hide what it blocks.
    page.evaluate(AXE_SOURCE)
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE, TAGS)
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def described(violations: list[dict[str, Any]], where: str) -> list[str]:
    """One line per violation: rule, impact, what it asks, the elements, where."""
    lines = []
    for v in violations:
        targets = ", ".join(v["targets"][:6])
        more = f" (+{len(v['targets']) - 6} more)" if len(v["targets"]) > 6 else ""
        lines.append(f"{v['id']} ({v['impact']}) on {where}: {v['help']} -> {targets}{more}")
    return lines


def _page_for(
    new_context: Callable[..., BrowserContext], role: str, locale: str = "en-US", **options: Any
) -> Page:
    """A browser context of its own for the role and language, logged in once."""
    page = new_context(locale=locale, **options).new_page()
    username = ROLES[role][0]
    if username:
        log_in(page, username, FR_LOGIN if locale.startswith("fr") else EN_LOGIN)
    return page


def _walk(page: Page, tour: Tour, paths: list[str], who: str, open_menu: bool = False) -> list[str]:
    """Check every page of the list; on a phone, with the compact menu open."""
    report = []
    for path in paths:
        where = tour.resolve(path)
        if open_menu:
            page.goto(where)
            page.locator("header.site details.menu > summary").click()
            found = violations_on(page)
        else:
            found = violations_on(page, where)
        report += described(found, f"{where} as {who}")
    return report


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
@pytest.mark.parametrize("role", list(ROLES))
def test_no_serious_violation_on_any_page(live_server, new_context, tour, role, locale) -> None:
    page = _page_for(new_context, role, locale)
    report = _walk(page, tour, ROLES[role][1], f"{role}, {locale[:2]}")
    assert not report, f"{len(report)} violations:\n" + "\n".join(report)


@pytest.mark.parametrize("role", list(DARK_PAGES))
def test_no_serious_violation_in_the_dark_theme(live_server, new_context, tour, role) -> None:
    page = _page_for(new_context, role, color_scheme="dark")
    report = _walk(page, tour, DARK_PAGES[role], f"{role}, dark theme")
    assert not report, f"{len(report)} violations:\n" + "\n".join(report)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("role", list(ROLES))
def test_no_serious_violation_on_a_phone(live_server, new_context, tour, role, scheme) -> None:
    # At 390 px wide tables scroll in their own box and the menu folds into a disclosure.
    page = _page_for(new_context, role, viewport=PHONE, color_scheme=scheme)
    paths = ROLES[role][1] if scheme == "light" else DARK_PAGES[role]
    report = _walk(page, tour, paths, f"{role}, phone, {scheme}", open_menu=True)
    assert not report, f"{len(report)} violations:\n" + "\n".join(report)


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_no_serious_violation_in_forms_with_errors(live_server, new_context, tour, locale) -> None:
    labels = FR_LOGIN if locale.startswith("fr") else EN_LOGIN
    report = []
    page = new_context(locale=locale).new_page()
    page.goto("/login")
    page.get_by_label(labels["login"]).fill(MEMBER)
    page.get_by_label(labels["password"], exact=True).fill("not-the-password")
    page.get_by_role("button", name=labels["submit"]).click()
    page.wait_for_load_state()
    report += described(violations_on(page), "/login with a wrong password")
    page.goto("/register")
    page.locator("main form button.primary").click()
    page.wait_for_load_state()
    report += described(violations_on(page), "/register sent empty")

    log_in(page, MEMBER, labels)
    page.goto("/new")
    page.locator("main form button.primary").click()
    page.wait_for_load_state()
    report += described(violations_on(page), "/new sent empty")
    assert not report, f"{len(report)} violations:\n" + "\n".join(report)


def test_axe_reports_what_it_finds(live_server, new_context, tour) -> None:
    """The check is live: an image without a text and a nameless button on a page fail it."""
    page = new_context().new_page()
    page.goto("/")
    page.evaluate(
        """() => {
          const main = document.querySelector('main');
          main.insertAdjacentHTML('beforeend', '<img src="/favicon.ico"><button></button>');
        }"""
    )
    found = {v["id"] for v in violations_on(page)}
    assert {"image-alt", "button-name"} <= found, found
