"""No element id is on a page twice (issue 17): labels, error messages and links to
#anchors find the element they name. Pages of every type, for a visitor, a member, a
moderator and staff, in both languages."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from app.core.events import commit
from app.moderation import members


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.language_choices = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids[found["id"] or ""] += 1
        if tag == "select" and found.get("name") == "locale":
            self.language_choices += 1


def parsed(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


def twice(html: str) -> list[str]:
    return sorted(name for name, seen in parsed(html).ids.items() if seen > 1)


@pytest.fixture
def community(member, other_member, moderator, make_topic, make_answer):
    topic = make_topic(member, title="The grinder jams on fine settings")
    make_answer(other_member, topic, body="Clean the burrs.")
    # Sanctioned, so the member page shows its three forms: sanction, lift and role.
    members.silence(moderator, other_member, 3, "Spam in three topics")
    commit()
    return topic


MEMBER_PAGES = ["/", "/c/help", "TOPIC", "/new", "/account/profile", "/account/password",
                "/leaderboard", "/badges", "/search?q=grinder", "/notifications/",
                "/u/alice", "/me/ambassador"]  # fmt: skip
MANAGER_PAGES = ["/manage/queue", "/manage/log", "/manage/members/bruno", "/manage/first-posts",
                 "/manage/ambassadors", "TOPIC", "/t/TOPIC_ID/manage"]  # fmt: skip


def _pages(paths: list[str], topic_id: int) -> list[str]:
    return [
        f"/t/{topic_id}" if p == "TOPIC" else p.replace("TOPIC_ID", str(topic_id)) for p in paths
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_id_twice_on_a_members_pages(login, member, community, language) -> None:
    browser = login(member)
    for path in _pages(MEMBER_PAGES, community.id):
        response = browser.get(path, headers={"Accept-Language": language})
        assert response.status_code == 200, path
        assert twice(response.get_data(as_text=True)) == [], path


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_id_twice_on_the_managers_pages(login, moderator, community, language) -> None:
    browser = login(moderator)
    for path in _pages(MANAGER_PAGES, community.id):
        response = browser.get(path, headers={"Accept-Language": language})
        assert response.status_code == 200, path
        assert twice(response.get_data(as_text=True)) == [], path


def test_no_id_twice_for_a_visitor_staff_and_an_administrator(
    client, login, staff, admin, community
) -> None:
    for path in _pages(["/", "/c/help", "TOPIC", "/login", "/register", "/badges"], community.id):
        assert twice(client.get(path).get_data(as_text=True)) == [], path
    browser = login(staff)
    for path in ["/staff/campaigns", "/staff/campaigns/new", "/"]:
        response = browser.get(path)
        assert response.status_code == 200, path
        assert twice(response.get_data(as_text=True)) == [], path
    administrator = login(admin)
    for path in ["/admin/", "/admin/members", "/admin/roles", "/admin/categories/",
                 "/admin/categories/new", "/admin/jobs/", "/admin/mail/", "/admin/points",
                 "/admin/tokens/", "/manage/health"]:  # fmt: skip
        response = administrator.get(path)
        assert response.status_code == 200, path
        assert twice(response.get_data(as_text=True)) == [], path
    # An administrator's member page has all three forms: sanction, lift and role.
    member_page = login(admin).get("/manage/members/bruno").get_data(as_text=True)
    assert 'id="lift-reason"' in member_page and 'id="role-reason"' in member_page
    assert twice(member_page) == []


def test_the_profile_page_offers_one_language_choice(login, member) -> None:
    browser = login(member)
    profile = browser.get("/account/profile").get_data(as_text=True)
    assert parsed(profile).language_choices == 1
    assert "As my browser says" in profile  # the profile form's, which can also unset it
    # Every other page keeps the footer's choice.
    assert parsed(browser.get("/").get_data(as_text=True)).language_choices == 1
