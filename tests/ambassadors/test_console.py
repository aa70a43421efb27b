"""The ambassador console: the score distribution, sorting and filtering, segment exports,
and a member's score run after run with what weighed most."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

import pytest

from app.ambassadors import console_queries
from app.ambassadors.queries import latest_run
from tests.support import form_submission

CONSOLE = "/manage/ambassadors"


def chart_specs(html: str) -> list[dict]:
    found = re.findall(r'<script type="application/json">(.*?)</script>', html, re.S)
    return [json.loads(unescape(text)) for text in found]


def usernames(html: str) -> list[str]:
    table = html.split('<table class="candidates">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'href="/manage/ambassadors/u/([^"]+)"', table)


def get_form(browser, html: str, action: str, **typed: str):
    url, fields = form_submission(html, action, **typed)
    return browser.get(url, query_string=fields)


@pytest.fixture
def scored(community, run_identify):
    """Ten members with growing activity; the job ran once."""
    members = [
        community.member(f"m{n:02d}", answers=3 + n, accepted=n % 3, votes=n % 2) for n in range(10)
    ]
    community.member("quiet", answers=1)  # one post: not eligible (AMBASSADOR_MIN_POSTS)
    run_identify()
    return members


def test_the_distribution_is_binned_in_sql_with_the_cutoff_marked(app, scored, login, moderator):
    run = latest_run()
    distribution = console_queries.distribution(run)
    assert distribution.total == run.eligible_count
    assert distribution.bins[0].low == 0
    assert distribution.bins[-1].high >= max(b.high for b in distribution.bins)
    cutoff_bin = distribution.bins[distribution.cutoff_bin]
    assert cutoff_bin.low <= run.cutoff_score < cutoff_bin.high

    html = login(moderator).get(CONSOLE).get_data(as_text=True)
    spec = chart_specs(html)[0]
    assert spec["type"] == "bar"
    assert sum(spec["series"][0]["values"]) == run.eligible_count
    assert spec["marker"]["index"] == distribution.cutoff_bin
    assert "Cutoff" in spec["marker"]["label"]
    # The table below says the same, with the cutoff's row marked.
    assert html.count('<tr class="cutoff">') == 1
    assert "chart.umd.min.js" in html and "js/charts.js" in html


def test_the_list_is_filtered_and_sorted_through_its_own_form(app, scored, login, moderator):
    browser = login(moderator)
    html = browser.get(CONSOLE).get_data(as_text=True)
    # Default: by rank, the ineligible members (the quiet one, the staff asker, voters) last.
    names = usernames(html)
    assert set(names[:10]) == {f"m{n:02d}" for n in range(10)} and "quiet" in names[10:]

    page = get_form(browser, html, CONSOLE, q="M0", sort="name", dir="desc")
    assert page.status_code == 200
    assert usernames(page.get_data(as_text=True)) == [f"m{n:02d}" for n in range(9, -1, -1)]

    page = get_form(browser, html, CONSOLE, eligible="no")
    assert "quiet" in usernames(page.get_data(as_text=True))
    page = get_form(browser, html, CONSOLE, eligible="yes", q="quiet")
    assert usernames(page.get_data(as_text=True)) == []

    page = get_form(browser, html, CONSOLE, status="ambassador", sort="score", dir="asc")
    shown = usernames(page.get_data(as_text=True))
    run = latest_run()
    assert len(shown) == run.selected_count and "quiet" not in shown

    page = get_form(browser, html, CONSOLE, q="100%_")
    assert "Nobody here." in page.get_data(as_text=True)


def test_the_sort_links_keep_the_filters(app, scored, login, moderator):
    browser = login(moderator)
    html = browser.get(f"{CONSOLE}?eligible=yes&sort=score").get_data(as_text=True)
    assert 'aria-sort="descending"' in html
    link = re.search(r'<a href="(/manage/ambassadors\?[^"]*sort=name[^"]*)"', html).group(1)
    assert "eligible=yes" in unescape(link)
    names = usernames(browser.get(unescape(link)).get_data(as_text=True))
    assert names == sorted(names) and "quiet" not in names


@pytest.mark.parametrize(
    "query",
    ["sort=nope", "dir=up", "status=x", "segment=nope", "eligible=maybe", "page=-3",
     "page=99999999999", "sort=%00"],
)  # fmt: skip
def test_bad_arguments_are_a_404_never_a_500(app, scored, login, moderator, query):
    # A control character is refused before any view (core/user_input.py): 400.
    assert login(moderator).get(f"{CONSOLE}?{query}").status_code in (400, 404)


def test_odd_searches_are_fine(app, scored, login, moderator):
    browser = login(moderator)
    for q in ["'", "%", "_", "é" * 300, "a\\b", "  m01  "]:
        assert browser.get(CONSOLE, query_string={"q": q}).status_code == 200
    for page in ("0", "abc", ""):  # read as the first page
        assert browser.get(CONSOLE, query_string={"page": page}).status_code == 200


def test_the_console_runs_the_same_statements_for_few_or_many_members(
    app, community, run_identify, login, moderator, count_queries
):
    browser = login(moderator)

    def counted() -> int:
        browser.get(CONSOLE)
        with count_queries() as counter:
            page = browser.get(f"{CONSOLE}?sort=since&status=member&eligible=yes&q=m")
            assert page.status_code == 200
        return counter.count

    for n in range(3):
        community.member(f"few{n}", answers=3 + n)
    run_identify()
    few = counted()
    for n in range(12):
        community.member(f"many{n}", answers=3 + n, accepted=1)
    run_identify(as_of=community.now + timedelta(hours=1))
    assert counted() == few


def test_each_segment_has_an_export_button_giving_the_commands_csv(
    app, scored, login, moderator, member
):
    browser = login(moderator)
    html = browser.get(CONSOLE).get_data(as_text=True)
    for segment in ("ambassador", "rising", "opportunist"):
        action = f"/manage/ambassadors/export/{segment}.csv"
        response = get_form(browser, html, action)
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        command = app.test_cli_runner().invoke(
            args=["ambassadors", "export", "--format", "csv", "--segment", segment]
        )
        assert command.exit_code == 0, command.output
        # Byte for byte (the runner's .output turns CSV's \r\n into \n).
        assert response.get_data() == command.stdout_bytes
        response.close()
    with browser.get("/manage/ambassadors/export/ambassador.csv") as response:
        ambassadors = response.get_data(as_text=True)
    header = ambassadors.splitlines()[0]
    assert header.startswith("username,email,reachable,customer_id,segment,score")
    assert len(ambassadors.splitlines()) == 1 + latest_run().selected_count
    assert browser.get("/manage/ambassadors/export/nope.csv").status_code == 404
    assert login(member).get("/manage/ambassadors/export/rising.csv").status_code == 403


def test_no_export_before_the_first_run(app, login, moderator):
    html = login(moderator).get(CONSOLE).get_data(as_text=True)
    assert "export/" not in html
    assert login(moderator).get("/manage/ambassadors/export/rising.csv").status_code == 404


def test_the_console_is_in_french(app, scored, login, moderator):
    html = login(moderator).get(CONSOLE, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Scores du dernier calcul" in html
    assert "Trier par" in html
    assert "Exporter" in html
    assert "Seuil" in chart_specs(html)[0]["marker"]["label"]


def test_the_member_page_shows_the_score_run_after_run(
    app, community, run_identify, login, moderator
):
    star = community.member("star", answers=4, accepted=3, votes=1)
    community.member("other", answers=3)
    run_identify(as_of=community.now - timedelta(days=2))
    run_identify(as_of=community.now - timedelta(days=1))
    run_identify()
    browser = login(moderator)
    html = browser.get(f"/manage/ambassadors/u/{star.username}").get_data(as_text=True)
    spec = chart_specs(html)[0]
    assert spec["type"] == "line" and len(spec["labels"]) == 3
    assert [s["label"] for s in spec["series"]] == ["Score", "Cutoff"]
    assert html.count("<tr><td><time") == 3
    # Accepted answers weigh most: 3 accepted answers x their weight.
    assert "comes from accepted answers (" in html or "in this score: accepted answers (" in html

    french = browser.get(
        f"/manage/ambassadors/u/{star.username}", headers={"Accept-Language": "fr"}
    ).get_data(as_text=True)
    assert "réponses acceptées" in french
    assert "Le score calcul après calcul" in french


def test_a_member_never_scored_has_no_chart(app, community, login, moderator):
    target = community.member("target", answers=1)
    html = login(moderator).get(f"/manage/ambassadors/u/{target.username}").get_data(as_text=True)
    assert "No run has scored this member yet." in html
    assert 'type="application/json"' not in html


def test_what_weighed_most_counts_capped_outside_signals_for_what_they_add():
    from app.ambassadors.queries import Breakdown, SignalLine

    lines = [
        SignalLine("answers", "Answers given", 10, 1.0, 10.0, False),
        SignalLine("purchases", "Purchases", 30, 1.0, 30.0, True),
    ]
    capped = Breakdown(lines, 10.0, 30.0, 5.0, 15.0, True, 1, None)
    part = console_queries.weightiest_part(capped)
    assert part.name == "answers" and round(part.share, 1) == 66.7
    assert console_queries.weightiest_part(None) is None
    assert console_queries.weightiest_part(Breakdown([], 0, 0, 0, 0, False, None, None)) is None


def test_round_bin_widths():
    assert console_queries._nice_width(100, 20) == 5
    assert console_queries._nice_width(7, 20) == 0.5
    assert console_queries._nice_width(1234, 20) == 100
    assert console_queries._nice_width(0, 20) == 1.0


def test_the_member_page_runs_the_same_statements_for_one_run_or_many(
    app, community, run_identify, login, moderator, count_queries
):
    star = community.member("star", answers=4, accepted=3, votes=1)
    browser = login(moderator)
    url = f"/manage/ambassadors/u/{star.username}"

    def counted() -> int:
        browser.get(url)
        with count_queries() as counter:
            assert browser.get(url).status_code == 200
        return counter.count

    run_identify(as_of=community.now - timedelta(days=3))
    one = counted()
    run_identify(as_of=community.now - timedelta(days=2))
    run_identify(as_of=community.now - timedelta(days=1))
    assert counted() == one
