"""The ambassador console in a real browser (issue 14): the charts are drawn (vendored
Chart.js, no inline script under the CSP), the filter form sorts the list, a segment's
export button downloads the command's CSV, and the ambassador mark shows on topics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import Page, expect

from app.accounts import services as account_services
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.forum import services as forum_services
from app.forum import solutions, voting
from app.forum.models import Category
from tests.e2e.conftest import CATEGORY_SLUG, PASSWORD, LiveServer
from tests.e2e.test_questions import log_in

pytestmark = pytest.mark.e2e

STAR = "star_sam"
HELPERS = ("hugo_h", "hana_h")
MODERATOR = "cm_camille"


def _community(live: LiveServer) -> int:
    """Staff ask, one member answers best, two help a little; two runs. The topic's id."""
    with live.services():
        category = db.session.scalars(select(Category).filter_by(slug=CATEGORY_SLUG)).one()
        staff = account_services.create_user("brand_ben", "brand_ben@example.com", PASSWORD,
                                             role="staff")  # fmt: skip
        account_services.create_user(MODERATOR, f"{MODERATOR}@example.com", PASSWORD,
                                     role="moderator")  # fmt: skip
        star = live.create_user(STAR)
        helpers = [live.create_user(name) for name in HELPERS]
        commit()
        topic_id = 0
        for n in range(4):
            topic = forum_services.create_topic(
                staff, category, title=f"Milk frothing question {n + 1}", body="How hot?"
            )
            commit()
            answer = forum_services.reply(star, topic, body=f"About {60 + n} degrees.")
            commit()
            solutions.accept_answer(staff, topic, answer)
            for helper in helpers:
                voting.vote(helper, answer)
                forum_services.reply(helper, topic, body=f"{helper.username} agrees.")
            commit()
            topic_id = topic.id
    for _ in range(2):
        with live.services():
            job_run = run_job("identify-ambassadors")
            assert job_run.outcome == "success", job_run.error
    return topic_id


def _errors(page: Page) -> list[str]:
    """What went wrong in the page: script errors (a CSP refusal) and failed requests."""
    found: list[str] = []
    page.on("pageerror", lambda error: found.append(str(error)))
    page.on("console", lambda message: found.append(message.text) if message.type == "error"
            and "Failed to load resource" not in message.text else None)  # fmt: skip
    page.on("response", lambda response: found.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)  # fmt: skip
    return found


def test_the_console_draws_its_charts_sorts_and_exports(live_server, new_context):
    topic_id = _community(live_server)
    page = new_context().new_page()
    errors = _errors(page)
    page.goto("/login")
    log_in(page, MODERATOR)

    page.goto("/manage/ambassadors")
    expect(page.locator('figure.chart[data-drawn="1"] canvas')).to_be_visible()
    expect(page.locator("table.score-bins tr.cutoff")).to_have_count(1)

    page.get_by_label("Sort by").select_option("name")
    page.get_by_label("Order").select_option("desc")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"sort=name.*dir=desc|dir=desc.*sort=name"))
    names = page.locator("table.candidates tbody td:nth-child(2) a").all_inner_texts()
    assert names == sorted(names, reverse=True) and STAR in names

    with page.expect_download() as download:
        page.get_by_role("button", name="Export “Ambassadors” (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("username,email,reachable,customer_id,segment")
    assert lines[1].startswith(f"{STAR},{STAR}@example.com,True,,ambassador,")

    page.get_by_role("link", name=STAR, exact=True).first.click()
    expect(page.locator('figure.chart[data-drawn="1"] canvas')).to_be_visible()
    expect(page.locator("p.weightiest")).to_contain_text("accepted answers")
    expect(page.locator("table.score-runs tbody tr")).to_have_count(2)

    page.goto(f"/t/{topic_id}")
    expect(page.locator(".ambassador-mark").first).to_have_text("Ambassador")
    assert not errors, errors
