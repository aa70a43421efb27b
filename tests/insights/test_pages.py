"""The dashboard page, its CSVs, its links and the job that fills it."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from app.core.events import commit
from app.core.leases import acquire_lease, release_lease
from app.core.scheduler import run_job
from app.extensions import db
from app.forum.categories import create_category
from app.insights.models import HealthCurve, HealthFigures, HealthRun, HealthScoreBin
from tests.insights.conftest import AS_OF

FR = {"Accept-Language": "fr"}


def _rows(model) -> list[tuple]:
    columns = [c.key for c in model.__table__.columns]
    return sorted(tuple(getattr(r, c) for c in columns) for r in db.session.scalars(select(model)))


@pytest.fixture
def computed(community):
    assert run_job("community-health", as_of=AS_OF).outcome == "success"
    return community


def test_before_the_first_run_the_page_says_how_to_run_the_job(community, login, moderator):
    page = login(moderator).get("/manage/health").text
    assert "tribune jobs run community-health" in page
    assert "<figure" not in page
    french = login(moderator).get("/manage/health", headers=FR).text
    assert "tribune jobs run community-health" in french
    assert "pas encore été calculés" in french


def test_the_page_shows_each_figure_as_a_chart_and_a_table(computed, login, moderator):
    page = login(moderator).get("/manage/health?period=month").text
    for anchor in ("content", "curve", "questions", "answerers", "members", "segments",
                   "scores", "moderation"):  # fmt: skip
        assert f'id="{anchor}"' in page
        assert f"/manage/health/{anchor}.csv?period=month" in page
    specs = [json.loads(s) for s in re.findall(r'<script type="application/json">(.*?)</script>',
                                                page, re.S)]  # fmt: skip
    top = next(s for s in specs if s["series"][0]["label"].startswith("Share of posts by the top"))
    # From the first month with activity (the kept history goes back 24 months).
    assert top["labels"] == ["Jun 2026", "Jul 2026"]
    assert top["series"][0]["values"][-2:] == [62.5, 100.0]
    assert '<th scope="row">Jun 2026</th><td>8</td><td>4</td>' in page  # posts, members
    assert "Community health" in page and "Who answers" in page
    # Without JavaScript the tables are open; charts.js folds them once it has drawn.
    # (six: this community has had no ambassador run, so no segments nor scores).
    assert page.count('<details class="figure-table" data-chart-table open>') == 6
    assert page.count("Nothing to show yet.") == 2


def test_the_page_in_french(computed, login, staff):
    page = login(staff).get("/manage/health?period=quarter", headers=FR).text
    assert "Santé de la communauté" in page
    assert "Qui répond" in page
    assert "T2 2026" in page  # the second quarter, as French readers name it
    assert "Download CSV" not in page


def test_one_category(computed, login, moderator):
    other = computed.other.id
    page = login(moderator).get(f"/manage/health?period=month&category={other}").text
    assert f'<option value="{other}" selected>' in page
    assert '<th scope="row">Jul 2026</th><td>1</td><td>1</td>' in page


@pytest.mark.parametrize(
    "query", ["category=abc", "category=999999", "category=-1", "category=1e3"]
)
def test_a_category_that_is_not_one_is_a_404(computed, login, moderator, query):
    assert login(moderator).get(f"/manage/health?{query}").status_code == 404
    assert login(moderator).get(f"/manage/health/content.csv?{query}").status_code == 404


def test_an_unknown_period_falls_back_to_months(computed, login, moderator):
    page = login(moderator).get("/manage/health?period=decade").text
    assert '<option value="month" selected>' in page


def test_an_unknown_figure_is_a_404(computed, login, moderator):
    assert login(moderator).get("/manage/health/nothing.csv").status_code == 404


def test_each_csv_is_the_table_with_its_scope(computed, login, moderator):
    response = login(moderator).get("/manage/health/questions.csv?period=month")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:3] == ["Scope", "Month", "Questions"]
    june = next(row for row in rows if row[1] == "2026-06-01")
    assert june[:6] == ["The whole community", "2026-06-01", "4", "3", "1", "1"]


def test_a_category_named_like_a_formula_stays_text_in_the_csv(computed, login, moderator):
    trap = create_category('=HYPERLINK("http://x")', "trap")
    commit()
    run_job("community-health", as_of=AS_OF)
    text = login(moderator).get(f"/manage/health/members.csv?category={trap.id}").text
    assert "'=HYPERLINK" in text
    assert not any(line.startswith("=") for line in text.splitlines())


def test_the_page_reads_a_fixed_number_of_statements(computed, login, moderator, count_queries):
    browser = login(moderator)
    browser.get("/manage/health")  # warm: the member's loader, the page cache of the frame
    with count_queries() as small:
        assert browser.get("/manage/health?period=week").status_code == 200
    for n in range(3):
        create_category(f"More {n}", f"more-{n}")
    commit()
    run_job("community-health", as_of=AS_OF)
    with count_queries() as larger:
        assert browser.get("/manage/health?period=week").status_code == 200
    assert small.count == larger.count <= 12, small.statements


def test_the_job_is_idempotent(community):
    assert run_job("community-health", as_of=AS_OF).outcome == "success"
    first = [_rows(m) for m in (HealthFigures, HealthCurve, HealthRun, HealthScoreBin)]
    assert first[0]
    assert run_job("community-health", as_of=AS_OF).outcome == "success"
    assert [_rows(m) for m in (HealthFigures, HealthCurve, HealthRun, HealthScoreBin)] == first


def test_the_job_runs_under_its_lease(community):
    assert acquire_lease("community-health", "another-scheduler", 600)
    assert run_job("community-health", as_of=AS_OF).outcome == "skipped"
    assert _rows(HealthFigures) == []
    release_lease("community-health", "another-scheduler")
    assert run_job("community-health", as_of=AS_OF).outcome == "success"
    assert _rows(HealthFigures)


def test_managers_and_staff_find_the_dashboard(computed, login, moderator, staff):
    assert "/manage/health" in login(moderator).get("/manage/queue").text
    assert "/manage/health" in login(staff).get("/staff/campaigns").text


def test_members_may_not_see_it(computed, login):
    assert login(computed.bob).get("/manage/health").status_code == 403
