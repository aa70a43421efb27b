"""/admin/members: the member directory, its filters, its pages, its CSV and its cost."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from app.accounts.models import User
from app.core.events import commit
from app.extensions import db
from app.moderation import members

URL = "/admin/members"


def names(page) -> list[str]:
    """The members listed, in order (each row's link to their moderation page)."""
    return re.findall(r'<td><a href="/manage/members/([^"]+)">', page.get_data(as_text=True))


def joined(user: User, when: datetime, **values) -> None:
    row = db.session.get(User, user.id)
    row.created_at = when
    for name, value in values.items():
        setattr(row, name, value)
    commit()


@pytest.fixture
def crowd(make_user, moderator, admin):
    """A few members of every kind: names, emails, points, statuses, sanctions, dates."""
    ana = make_user("ana_perez", email="Ana.Perez@Example.org")
    joined(ana, datetime(2026, 1, 10, 12, tzinfo=UTC), points=30)
    bob = make_user("bob_100", email="bob%100@shop.com")
    joined(bob, datetime(2026, 3, 1, 12, tzinfo=UTC), points=300)
    cleo = make_user("cleo01", email="cleo@example.org")
    joined(cleo, datetime(2026, 5, 20, 12, tzinfo=UTC), points=1200, active=False)
    dina = make_user("dina", email="dina@example.org")
    joined(dina, datetime(2026, 5, 21, 12, tzinfo=UTC), password_hash=None, points=60)
    members.suspend(moderator, ana, 3, "Insults")
    members.silence(moderator, bob, None, "Spam links")
    members.warn(moderator, cleo, "Be kind")
    commit()
    return {"ana": ana, "bob": bob, "cleo01": cleo, "dina": dina}


def test_the_directory_lists_every_member_and_each_row_opens_their_page(crowd, login, admin):
    browser = login(admin)
    page = browser.get(URL)
    assert page.status_code == 200
    listed = names(page)
    assert {"ana_perez", "bob_100", "cleo01", "dina", "mod_claire", "admin_eve"} <= set(listed)
    assert listed == sorted(listed, key=str.lower)
    assert "6 members found." in page.text
    assert ">ana.perez@example.org</td>" in page.text  # stored in lower case
    assert browser.get("/manage/members/ana_perez").status_code == 200


def test_search_by_name_or_email_ignores_case_and_escapes_wildcards(crowd, login, admin):
    browser = login(admin)
    assert names(browser.get(URL, query_string={"q": "ANA.perez@"})) == ["ana_perez"]
    assert names(browser.get(URL, query_string={"q": "shop.COM"})) == ["bob_100"]
    # % and _ are letters here, not LIKE wildcards.
    assert names(browser.get(URL, query_string={"q": "_1"})) == ["bob_100"]  # not cleo01
    assert names(browser.get(URL, query_string={"q": "%1"})) == ["bob_100"]
    assert names(browser.get(URL, query_string={"q": "%"})) == ["bob_100"]
    nothing = browser.get(URL, query_string={"q": "zzz"})
    assert names(nothing) == [] and "No member matches." in nothing.text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"role": "moderator"}, ["mod_claire"]),
        ({"role": "admin"}, ["admin_eve"]),
        ({"level": "newcomer"}, ["admin_eve", "ana_perez", "mod_claire"]),
        ({"level": "member"}, ["dina"]),
        ({"level": "regular"}, ["bob_100"]),
        ({"level": "expert"}, ["cleo01"]),
        ({"level": "guru"}, []),
        ({"status": "deactivated"}, ["cleo01"]),
        ({"status": "unclaimed"}, ["dina"]),
        ({"status": "active", "q": "a"}, ["admin_eve", "ana_perez", "mod_claire"]),
        ({"sanction": "any"}, ["ana_perez", "bob_100"]),
        ({"sanction": "suspend"}, ["ana_perez"]),
        ({"sanction": "silence"}, ["bob_100"]),
        ({"sanction": "warn"}, ["cleo01"]),
        ({"sanction": "none"}, ["admin_eve", "dina", "mod_claire"]),
        ({"joined_from": "2026-05-20", "joined_to": "2026-05-21"}, ["cleo01", "dina"]),
        ({"joined_from": "2026-01-01", "joined_to": "2026-03-01"}, ["ana_perez", "bob_100"]),
        ({"sort": "points", "level": "", "q": "@example.org"}, ["cleo01", "dina", "ana_perez"]),
        ({"sort": "oldest", "q": "example.org"}, ["ana_perez", "cleo01", "dina"]),
    ],
)
def test_filters_and_sorts(crowd, login, admin, args, expected):
    page = login(admin).get(URL, query_string=args)
    assert page.status_code == 200
    if args.get("sort"):
        assert names(page) == expected
    else:
        assert sorted(names(page)) == expected


def test_join_dates_are_read_in_the_site_time_zone(app, crowd, login, admin):
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Pacific/Kiritimati"  # UTC+14
    # ana joined 2026-01-10 12:00 UTC, which is 2026-01-11 02:00 there.
    page = login(admin).get(URL, query_string={"joined_from": "2026-01-11",
                                               "joined_to": "2026-01-11"})  # fmt: skip
    assert names(page) == ["ana_perez"]
    assert "Pacific/Kiritimati" in page.text


@pytest.mark.parametrize(
    "args",
    [
        {"role": "emperor"},
        {"level": "god"},
        {"status": "x"},
        {"sanction": "'; drop table users"},
        {"sort": "password_hash"},
        {"page": "-3"},
        {"page": "99999999999999999999"},
        {"page": "٣"},
        {"joined_from": "2026-02-30"},
        {"joined_to": "yesterday"},
        {"joined_from": "0001-01-01"},
        {"q": "x" * 5000},
    ],
)
def test_odd_arguments_are_left_out_with_a_message_never_a_500(crowd, login, admin, args):
    page = login(admin).get(URL, query_string=args)
    assert page.status_code in (200, 400)
    if page.status_code == 200 and "q" not in args:
        assert 'class="notice"' in page.text


def test_fifty_a_page_with_a_pager_that_keeps_the_filters(make_user, login, admin):
    for n in range(55):
        make_user(f"crowd{n:02d}")
    browser = login(admin)
    first = browser.get(URL, query_string={"q": "crowd"})
    assert len(names(first)) == 50 and "55 members found." in first.text
    assert 'href="/admin/members?q=crowd&amp;page=2"' in first.text
    second = browser.get(URL, query_string={"q": "crowd", "page": "2"})
    assert names(second) == [f"crowd{n}" for n in range(50, 55)]


def test_a_page_costs_the_same_whatever_the_number_of_members(
    make_user, moderator, login, admin, count_queries
):
    def add(first: int, last: int) -> None:
        for n in range(first, last):
            user = make_user(f"many{n:02d}")
            if n % 2:
                members.warn(moderator, user, "Be kind")
                commit()

    browser = login(admin)
    browser.get(URL)  # warm up the session and the caches
    costs = []
    for first, last in ((0, 5), (5, 60)):
        add(first, last)
        with count_queries() as counter:
            page = browser.get(URL, query_string={"sanction": "warn", "sort": "points"})
        assert page.status_code == 200
        assert len(names(page)) == min(50, last // 2)
        assert sum("count(*) OVER" in s for s in counter.statements) == 1
        costs.append(counter.count)
    assert costs[0] == costs[1], costs


def test_past_the_last_page_the_count_still_says_how_many(crowd, login, admin):
    page = login(admin).get(URL, query_string={"page": "3"})
    assert page.status_code == 200 and names(page) == []
    assert "6 members found." in page.text and 'rel="prev"' in page.text


def test_the_csv_is_the_whole_filtered_list_with_formulas_kept_as_text(make_user, login, admin):
    for n in range(55):
        make_user(f"csv{n:02d}")
    make_user("csv_eq", email="=cmd@example.org")
    page = login(admin).get(f"{URL}.csv", query_string={"q": "csv", "page": "2"})
    assert page.status_code == 200 and page.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(page.get_data(as_text=True))))
    page.close()
    assert len(rows) == 56
    assert {"username": "csv_eq", "email": "'=cmd@example.org"}.items() <= rows[-1].items()
    assert rows[0]["role"] == "member" and rows[0]["status"] == "active"
    assert rows[0]["level"] == "newcomer"


def test_the_directory_speaks_french(crowd, make_user, login):
    admin_fr = make_user("admin_fr", role="admin", locale="fr")
    page = login(admin_fr).get(URL, query_string={"sanction": "any", "role": "nope"})
    html = page.get_data(as_text=True)
    assert "<h1>Membres</h1>" in html
    assert "2 membres trouvés." in html
    assert "Suspendu" in html and "Nom ou e-mail" in html


@pytest.mark.parametrize("role", ["member", "staff"])
def test_only_who_sanctions_members_opens_the_directory(make_user, login, role):
    browser = login(make_user(f"dir_{role}", role=role))
    assert browser.get(URL).status_code == 403
    assert browser.get(f"{URL}.csv").status_code == 403


def test_community_managers_find_it_under_the_queue_menu(login, moderator):
    page = login(moderator).get("/manage/queue")
    assert 'href="/admin/members"' in page.text
    assert login(moderator).get(URL).status_code == 200
