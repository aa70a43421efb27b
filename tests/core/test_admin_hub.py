"""/admin: the administrator's hub links every setting the packages registered."""

from __future__ import annotations

import re

import pytest

from app.core.events import commit
from app.core.permissions import grant


def _settings(page: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<li><a href="([^"]+)">([^<]+)</a><p>([^<]+)</p></li>', page)


def test_the_hub_lists_each_setting_with_what_it_is_for(make_user, login):
    page = login(make_user("hub_admin", role="admin")).get("/admin/")
    assert page.status_code == 200
    settings = _settings(page.text)
    assert ("/admin/points", "Point values", "How many points each kind of help earns.") in (
        settings
    )
    assert ("/admin/mail/", "Outgoing mail") in [(url, label) for url, label, _ in settings]
    # Every link of the hub opens for the administrator.
    for url, _label, _description in settings:
        assert login(make_user(role="admin")).get(url).status_code == 200, url


def test_the_hub_speaks_french(make_user, login):
    admin = make_user("hub_admin_fr", role="admin", locale="fr")
    page = login(admin).get("/admin/").text
    assert "<h1>Administration</h1>" in page
    assert "Barème des points" in page


@pytest.mark.parametrize("role", ["member", "moderator", "staff"])
def test_only_administrators_open_the_hub(make_user, login, role):
    assert login(make_user(f"hub_{role}", role=role)).get("/admin/").status_code == 403


def test_a_setting_one_may_not_open_is_left_out(make_user, login):
    # A community manager given the hub, but not the point values or the mail.
    manager = make_user("hub_manager", role="moderator")
    grant(manager.id, "admin.access", "test")
    commit()
    page = login(manager).get("/admin/")
    assert page.status_code == 200
    # The member directory is theirs (user.suspend); the roles, points and mail are not.
    assert [url for url, _label, _ in _settings(page.text)] == ["/admin/members"]
    assert "Point values" not in page.text and "/admin/mail/" not in page.text
    assert "/admin/roles" not in page.text


def test_a_hub_with_nothing_to_open_says_so(make_user, login):
    member = make_user("hub_member")
    grant(member.id, "admin.access", "test")
    commit()
    page = login(member).get("/admin/")
    assert _settings(page.text) == []
    assert "None of the settings is yours to change." in page.text
