"""The community-health dashboard in a browser: the charts draw, under the page's policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import expect

from app.accounts import services as account_services
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.forum import services as forum_services
from app.forum.models import Category
from tests.e2e.conftest import CATEGORY_SLUG, PASSWORD, LiveServer
from tests.e2e.test_questions import log_in
from tests.e2e.test_security_headers import COLLECT_VIOLATIONS

pytestmark = pytest.mark.e2e


def test_the_dashboard_draws_its_charts_without_errors(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.services():
        asker = live_server.create_user("health_ana")
        helper = live_server.create_user("health_bob")
        account_services.create_user("health_mod", "health_mod@example.com", PASSWORD,
                                     role="moderator")  # fmt: skip
        commit()
        category = db.session.scalar(db.select(Category).where(Category.slug == CATEGORY_SLUG))
        topic = forum_services.create_topic(asker, category, title="The grinder jams", body="Why?")
        forum_services.reply(helper, topic, body="Clean the burrs.")
        commit()
        assert run_job("community-health").outcome == "success"
        db.session.remove()

    context = new_context()
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.goto("/login")
    log_in(page, "health_mod")
    console.clear()  # the login page's own requests (the browser's favicon) are not ours
    page.goto("/manage/health?period=week")
    expect(page.get_by_role("heading", name="Community health", level=1)).to_be_visible()
    canvas = page.locator("#questions figure.chart canvas").first
    expect(canvas).to_be_visible()
    assert canvas.bounding_box()["height"] > 100
    # Drawn, the tables fold away; a click opens one.
    table = page.locator("#questions table")
    expect(table).to_be_hidden()
    page.locator("#questions summary").click()
    expect(table).to_be_visible()
    assert page.evaluate("window.__violations") == []
    assert [line for line in console if line.startswith(("error", "pageerror"))] == []
