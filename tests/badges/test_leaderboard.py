from datetime import timedelta

from app.badges import leaderboard, points
from app.badges.points import Award
from app.core.clock import now_utc
from app.core.events import commit
from app.forum import voting


def give(user, amount, *, days_ago=0, category_id=None, key=None):
    at = now_utc() - timedelta(days=days_ago)
    points.record(
        Award(user.id, "topic_started", key or f"t:{user.id}:{days_ago}:{amount}", at,
              category_id=category_id),
        points=amount,
    )  # fmt: skip
    commit()


def test_boards_by_period_with_ties_and_exclusions(app, make_user, moderator, staff):
    ana, ben, cle, dan = (make_user(n) for n in ("ana", "ben", "cle", "dan"))
    give(ana, 50)
    give(ben, 50)
    give(cle, 30, days_ago=20)
    give(dan, 500, days_ago=200)
    give(staff, 1000)
    give(moderator, 1000)
    suspended = make_user("sus")
    give(suspended, 900)
    suspended.suspended_until = now_utc() + timedelta(days=3)
    commit()
    leaderboard.refresh()

    week, _ = leaderboard.page("week", 0, 1, 50)
    assert [(r.rank, r.username, r.points) for r in week] == [(1, "ana", 50), (1, "ben", 50)]
    month, _ = leaderboard.page("month", 0, 1, 50)
    assert [r.username for r in month] == ["ana", "ben", "cle"]
    all_time, _ = leaderboard.page("all", 0, 1, 50)
    assert [(r.rank, r.username) for r in all_time] == [
        (1, "dan"),
        (2, "ana"),
        (2, "ben"),
        (4, "cle"),
    ]


def test_category_boards_and_pages(app, make_user, category):
    members = [make_user(f"m{n:02d}") for n in range(5)]
    for n, member in enumerate(members):
        give(member, 10 * (n + 1), category_id=category.id)
    leaderboard.refresh()
    first, has_next = leaderboard.page("week", category.id, 1, 2)
    assert [r.username for r in first] == ["m04", "m03"] and has_next
    last, has_next = leaderboard.page("week", category.id, 3, 2)
    assert [r.username for r in last] == ["m00"] and not has_next
    assert leaderboard.own_entry("week", category.id, members[0].id).rank == 5


def test_leaderboard_page_shows_own_rank_off_the_page(app, make_user, login):
    app.config["LEADERBOARD_PAGE_SIZE"] = 2
    members = [make_user(f"pp{n}") for n in range(4)]
    for n, member in enumerate(members):
        give(member, 100 - n)
    leaderboard.refresh()
    page = login(members[3]).get("/leaderboard?period=all").text
    assert "pp0" in page and "pp1" in page and "Your rank: #4 with 97 points" in page
    assert login(members[0]).get("/leaderboard?period=all").text.count('class="me"') == 1
    assert "no points on this board" in login(make_user("zero")).get("/leaderboard").text


def test_leaderboard_page_queries_are_few_and_bad_input_is_404(
    app, client, make_user, login, count_queries
):
    member = make_user("quinn")
    give(member, 10)
    leaderboard.refresh()
    browser = login(member)
    browser.get("/")
    with count_queries() as counter:
        assert browser.get("/leaderboard?period=month").status_code == 200
    # the member, the categories for the filter, the page, the member's own entry, the
    # last refresh
    assert counter.count == 5, counter.statements
    assert client.get("/leaderboard?period=decade").status_code == 404
    assert client.get("/leaderboard?category=nope").status_code == 404


def test_refresh_is_idempotent(app, make_user):
    give(make_user("xavier"), 10)
    first = leaderboard.refresh()
    second = leaderboard.refresh()
    assert first == second == {"week": 1, "month": 1, "year": 1, "all": 1}


def test_votes_feed_category_boards(member, other_member, make_topic, make_answer, category):
    answer = make_answer(other_member, make_topic(member))
    voting.vote(member, answer)
    commit()
    leaderboard.refresh()
    rows, _ = leaderboard.page("week", category.id, 1, 50)
    # 1 reply + 5 welcoming a newcomer + 10 for the vote, all in this category
    assert [(r.username, r.points) for r in rows] == [("bruno", 16), ("alice", 2)]


def test_the_board_says_when_it_was_refreshed_and_shows_levels(client, make_user) -> None:
    from app.core.scheduler import run_job

    give(make_user("lea"), 300)
    give(make_user("max"), 5)
    page = client.get("/leaderboard?period=all").text
    assert "Refreshed every 10 minutes." in page  # before the job's first run
    assert run_job("refresh-leaderboards").outcome == "success"
    page = client.get("/leaderboard?period=all").text
    assert "Refreshed just now, every 10 minutes." in page
    rows = page.split("<tbody>")[1]
    assert 'lea</a> <span class="level level-3">Regular</span>' in rows
    assert 'max</a> <span class="level level-1">Newcomer</span>' in rows
    french = client.get("/leaderboard?period=all", headers={"Accept-Language": "fr"}).text
    assert "Actualisé à l\u2019instant, toutes les 10 minutes." in french
    assert 'lea</a> <span class="level level-3">Habitué</span>' in french
