"""Core's frame and lower pages link to higher packages through places and links."""

from __future__ import annotations

import re

import pytest

from app.core import places
from app.core.events import commit
from app.core.permissions import grant


def menu(html: str) -> list[str]:
    """The (path, text) links of the main menu, as "path text"."""
    bar = html.split('<details class="menu">', 1)[1].split("</ul>", 1)[0]
    return [
        f"{href} {text}" for href, text in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>([^<]*)<', bar)
    ]


def test_the_frame_links_to_the_places_the_packages_registered(client):
    page = client.get("/nowhere")
    assert page.status_code == 404
    assert '<a class="brand" href="/">Tribune</a>' in page.text
    assert 'action="/search"' in page.text
    assert '<a href="/">Back to the community</a>' in page.text
    assert "/login?next=/nowhere Log in" in menu(page.text)
    assert "/register Sign up" in menu(page.text)


@pytest.mark.parametrize(
    ("role", "grants", "entry"),
    [
        ("member", (), None),
        ("member", ("post.review_first",), "/manage/first-posts Review"),
        # Brand staff's one entry is their campaign console (it links their other pages).
        ("staff", (), "/staff/campaigns Campaigns"),
        ("moderator", (), "/manage/queue Manage"),
        ("admin", (), "/manage/queue Manage"),
    ],
)
def test_the_menu_shows_the_first_staff_entry_the_member_may_follow(
    make_user, login, role, grants, entry
):
    user = make_user(f"someone_{role}_{len(grants)}", role=role)
    for capability in grants:
        grant(user.id, capability, "test")
    commit()
    links = menu(login(user).get("/").text)
    staff = [link for link in links if link.startswith(("/manage", "/staff"))]
    assert staff == ([entry] if entry else [])
    assert f"/u/{user.username} {user.username}" in links


@pytest.mark.parametrize(("role", "mail"), [("moderator", False), ("admin", True)])
def test_the_review_queue_lists_the_managers_pages(make_user, login, role, mail):
    page = login(make_user(f"queue_{role}", role=role)).get("/manage/queue").text
    expected = [
        '<a href="/manage/first-posts">First posts to review</a>',
        '<a href="/manage/ambassadors">Ambassadors</a>',
        '<a href="/manage/log">Audit log</a>',
        '<a href="/admin/members">Members</a>',
    ] + (['<a href="/admin/mail/">Outgoing mail</a>'] if mail else [])
    expected += ['<a href="/manage/health">Community health</a>']
    # Campaigns (campaign.send) are staff's and administrators', not moderators'.
    expected += ['<a href="/staff/campaigns">Campaigns</a>'] if role == "admin" else []
    expected += ['<a href="/staff/referrals">Referrals</a>']  # moderators read refusals
    expected += ['<a href="/admin/">Administration</a>'] if role == "admin" else []
    assert "<p>" + " · ".join(expected) + "</p>" in page


def test_a_members_moderation_page_links_to_their_ambassador_status_if_one_may_see_it(
    make_user, login, member
):
    moderator = make_user("mod_with_console", role="moderator")
    suspender = make_user("suspender")
    grant(suspender.id, "user.suspend", "test")  # moderation, not the ambassador console
    commit()
    link = '<a href="/manage/ambassadors/u/alice">Ambassador status</a>'
    assert link in login(moderator).get("/manage/members/alice").text
    page = login(suspender).get("/manage/members/alice")
    assert page.status_code == 200 and link not in page.text


def test_places_and_lists_are_named_in_core(app):
    with pytest.raises(ValueError, match="not a place"):
        places.register_place(app, "lobby", "forum.home")
    with pytest.raises(ValueError, match="not a list of links"):
        places.register_link(app, "sidebar", 10, "forum.home", "Home")
