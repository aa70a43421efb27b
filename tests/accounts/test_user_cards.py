"""User cards (issue 17): a click on an author's name shows who they are in a few lines.

The card is a fragment at /u/<name>/card (static/js/cards.js places it); the names on
topic pages and lists stay links to the profile, which is all a browser without
JavaScript needs, and carry the card's address.
"""

from __future__ import annotations

import re
from datetime import timedelta

from app.core.clock import now_utc
from app.core.events import commit
from app.core.permissions import SYSTEM_ROLE
from app.moderation import members as sanctions


def _card(client, username: str):
    return client.get(f"/u/{username}/card", headers={"Accept-Language": "en"})


def test_the_card_shows_level_points_badges_and_a_link_to_the_profile(client, member, make_topic):
    make_topic(member)  # +2 points and the "First post" badge
    response = _card(client, member.username)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'role="dialog"' in page and 'aria-labelledby="user-card-name"' in page
    assert re.search(r'<h2 id="user-card-name"><a href="/u/alice">alice</a>', page)
    assert "Newcomer" in page  # the level, beside the name
    assert "2 points" in page
    assert "First post" in page and 'href="/badges/first-post"' in page
    assert "Member since" in page
    assert "View the profile" in page
    assert "<html" not in page, "a fragment, not a page"


def test_the_card_carries_the_role_and_ambassador_marks(client, moderator, member):
    assert "role-mark role-moderator" in _card(client, moderator.username).get_data(as_text=True)
    assert "ambassador-mark" not in _card(client, member.username).get_data(as_text=True)
    member.distinction = "ambassador"  # as the ambassadors package writes it
    commit()
    assert "ambassador-mark" in _card(client, member.username).get_data(as_text=True)


def test_a_suspended_member_s_card_says_until_when(client, moderator, member):
    sanctions.suspend(moderator, member, 3, "Spam links")
    commit()
    page = _card(client, member.username).get_data(as_text=True)
    until = (now_utc() + timedelta(days=3)).strftime("%B")
    assert "Suspended until" in page and until in page
    assert "Spam links" not in page, "the reason is for the member and moderators"


def test_closed_and_system_accounts(client, member, other_member):
    member.active = False
    commit()
    assert "This account is closed." in _card(client, member.username).get_data(as_text=True)
    # As an import writes one (interchange/bulk.py): a system role, no login.
    other_member.role, other_member.active = SYSTEM_ROLE, False
    commit()
    page = _card(client, other_member.username).get_data(as_text=True)
    assert "A system account of the community" in page
    assert "points" not in page and "Member since" not in page


def test_an_unknown_name_is_a_404_with_a_card_saying_so(client):
    response = _card(client, "nobody_here")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'class="user-card"' in page and "No member goes by this name." in page


def test_the_card_in_french(client, member):
    page = client.get(f"/u/{member.username}/card", headers={"Accept-Language": "fr"}).text
    assert "Voir le profil" in page and "Membre depuis" in page


def test_the_card_reads_the_member_and_their_badges_only(client, member, count_queries):
    with count_queries() as counter:
        assert _card(client, member.username).status_code == 200
    assert counter.count <= 3, "\n".join(s[:120] for s in counter.statements)


def test_names_on_topics_and_lists_are_links_to_the_profile_marked_for_a_card(
    client, member, other_member, make_topic, make_answer
):
    topic = make_topic(member)
    make_answer(other_member, topic)
    for path in ("/", "/c/help"):
        page = client.get(path).get_data(as_text=True)
        assert '<a href="/u/alice" data-card>alice</a>' in page, path
    # On a topic page, the first link of each post's header, unmarked (cards.js).
    topic_page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    for name in ("alice", "bruno"):
        assert f'<header><a href="/u/{name}">{name}</a>' in topic_page
    assert "/static/js/cards.js?v=" in topic_page
    with client.get("/static/js/cards.js") as script:
        assert script.status_code == 200 and b"data-card" in script.data
    # cards.js reads the card at the profile's address followed by /card.
    card = client.get("/u/bruno" + "/card")
    assert card.status_code == 200 and 'class="user-card"' in card.get_data(as_text=True)
