"""/admin/roles: each role, what it may do, how many hold it; ambassadors' helper privileges."""

from __future__ import annotations

import re

import pytest

from app.core.permissions import CAPABILITIES, HELPER_CAPABILITIES, ROLE_CAPABILITIES

URL = "/admin/roles"


def role_card(html: str, role: str) -> str:
    found = re.search(rf'<section class="role-card" id="role-{role}">(.*?)</section>', html, re.S)
    assert found, role
    return found.group(1)


def test_each_role_says_what_it_may_do_and_how_many_hold_it(make_user, login, admin, moderator):
    for n in range(3):
        make_user(f"plain{n}")
    make_user("staff_one", role="staff")
    page = login(admin).get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    members = role_card(html, "member")
    assert '<a href="/admin/members?role=member">3 members hold this role.</a>' in members
    assert "Start topics" in members and "Suspend members" not in members
    managers = role_card(html, "moderator")
    assert "1 member holds this role." in managers and "Suspend members" in managers
    assert "Change members' roles" not in managers
    assert "Read a private space" in managers
    admins = role_card(html, "admin")
    for capability in ROLE_CAPABILITIES["admin"]:
        assert f'title="{capability}"' in admins
    assert "Send campaigns and invitations" in role_card(html, "staff")
    helpers = html.split("Ambassadors' helper privileges", 1)[1]
    for capability in HELPER_CAPABILITIES:
        assert f'<span title="{capability}">{CAPABILITIES[capability]}</span>' in helpers


def test_the_role_link_opens_the_directory_filtered_by_that_role(login, admin, moderator):
    browser = login(admin)
    html = browser.get(URL).get_data(as_text=True)
    link = re.search(r'href="(/admin/members\?role=moderator)"', html).group(1)
    listed = browser.get(link).get_data(as_text=True)
    assert "/manage/members/mod_claire" in listed and "/manage/members/admin_eve" not in listed


def test_the_roles_page_costs_the_same_whatever_the_number_of_members(
    make_user, login, admin, count_queries
):
    browser = login(admin)
    browser.get(URL)
    with count_queries() as few:
        browser.get(URL)
    for n in range(30):
        make_user(f"more{n}", role=("member", "staff", "moderator")[n % 3])
    with count_queries() as many:
        assert browser.get(URL).status_code == 200
    assert many.count == few.count
    assert sum("GROUP BY users.role" in s for s in many.statements) == 1


def test_the_roles_page_speaks_french(make_user, login):
    page = login(make_user("admin_fr", role="admin", locale="fr")).get(URL)
    html = page.get_data(as_text=True)
    assert "<h1>Rôles</h1>" in html
    assert "Responsable de communauté" in html
    assert "1 membre a ce rôle." in html


@pytest.mark.parametrize("role", ["member", "moderator", "staff"])
def test_only_who_changes_roles_opens_it(make_user, login, role):
    assert login(make_user(f"roles_{role}", role=role)).get(URL).status_code == 403


def test_the_hub_links_the_directory_and_the_roles(login, admin):
    html = login(admin).get("/admin/").get_data(as_text=True)
    assert '<a href="/admin/members">Members</a>' in html
    assert '<a href="/admin/roles">Roles</a>' in html
