"""The pages work under their Content-Security-Policy: no violation anywhere, and no framing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import Page, expect

from app.core.events import commit
from app.extensions import db
from app.forum import services as forum_services
from app.forum.models import Category
from tests.e2e.conftest import CATEGORY_SLUG, PASSWORD, LiveServer

pytestmark = pytest.mark.e2e

# Recorded in the page before any of its own content runs (init scripts are not subject
# to the page's policy), for every violation the browser reports.
COLLECT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
TABLE = "| Model | Watts | Price |\n|:--|--:|:-:|\n| Duo | 1450 | 299 |\n"


def watched_page(new_context: Callable[..., Any]) -> tuple[Page, list[str]]:
    context = new_context()
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    return page, console


def violations(page: Page, console: list[str]) -> list[str]:
    """What this page reported, and the console said since the last call (then forgotten)."""
    reported = page.evaluate("window.__violations")
    said = [line for line in console if "Content Security Policy" in line]
    console.clear()
    return reported + said


def test_main_pages_raise_no_policy_violation(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.services():
        author = live_server.create_user("csp_alice")
        live_server.create_user("csp_bruno")
        category = db.session.scalar(db.select(Category).where(Category.slug == CATEGORY_SLUG))
        topic = forum_services.create_topic(author, category, title="Which model for a café?",
                                            body=f"Compare them:\n\n{TABLE}")  # fmt: skip
        topic_url = f"/t/{topic.id}"
        commit()
        db.session.remove()
    page, console = watched_page(new_context)
    visited: dict[str, list[str]] = {}

    def visit(url: str) -> None:
        page.goto(url)
        visited[f"{len(visited)} {url}"] = violations(page, console)

    for url in ("/", "/login", "/register", "/account/reset", topic_url, "/search?q=model",
                "/leaderboard", "/badges", "/u/csp_alice", "/no-such-page"):  # fmt: skip
        visit(url)
    # The table keeps its alignment: the three alignment styles are allowed by hash.
    page.goto(topic_url)
    expect(page.locator("article td").nth(1)).to_have_css("text-align", "right")

    page.goto("/login")
    page.get_by_label("Username or email").fill("csp_bruno")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header.site").get_by_role("link", name="csp_bruno")).to_be_visible()
    for url in ("/", topic_url, "/new", "/notifications/", "/u/csp_bruno", "/account/profile",
                "/account/password", "/manage/queue"):  # fmt: skip
        visit(url)
    # A form posts (form-action 'self'), and the profile shows its progress bar unstyled inline.
    page.goto(topic_url)
    page.get_by_label("Your answer").fill("The **Duo**, for its steam wand.")
    page.get_by_role("button", name="Post your answer").click()
    expect(page.get_by_role("heading", name="1 answer")).to_be_visible()
    visited["answer posted"] = violations(page, console)
    page.goto("/u/csp_bruno")
    expect(page.locator("progress.progress")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")
    visited["logged out"] = violations(page, console)

    assert {url: found for url, found in visited.items() if found} == {}

    # The collector does see a violation when there is one: an inline style set by script.
    page.goto("/")
    page.evaluate("document.body.setAttribute('style', 'background: red')")
    page.wait_for_function("window.__violations.length > 0")
    assert any("style-src" in found for found in violations(page, console))


def test_pages_cannot_be_framed(live_server: LiveServer, new_context: Callable[..., Any]) -> None:
    page, console = watched_page(new_context)
    page.set_content(f'<iframe src="{live_server.url}/manage/queue"></iframe>')
    page.wait_for_function("document.querySelector('iframe') !== null")
    page.wait_for_timeout(1000)
    assert any("frame-ancestors" in line for line in console), console
    assert page.frames[-1].locator("form").count() == 0
