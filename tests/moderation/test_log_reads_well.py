"""The audit log in words: before/after keys and values, targets, and on a phone."""

from __future__ import annotations

import re

from app.core.events import commit
from app.forum import topic_actions
from app.forum.categories import create_category
from app.moderation import members

FR = {"Accept-Language": "fr"}


def _cells(page: str) -> list[str]:
    """The log's rows as plain text, one string a row."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in body.split("</tr>") if "<td" in row]  # fmt: skip


def test_a_moved_topic_reads_with_the_category_names(login, member, moderator, make_topic):
    topic = make_topic(member)
    espresso = create_category("Espresso", "espresso", "")
    topic_actions.move_topic(moderator, topic, espresso, "belongs there")
    commit()
    page = login(moderator).get("/manage/log").text
    row = next(row for row in _cells(page) if "Topic moved" in row)
    assert "Category Help" in row and "Category Espresso" in row
    assert "category_id" not in page and "category id" not in page
    assert f'<a href="/t/{topic.id}">topic {topic.id}</a>' in page


def test_before_and_after_speak_french(login, member, moderator, admin):
    members.suspend(moderator, member, 3, "Insultes")
    members.change_role(admin, member, "moderator", "Nouvelle CM")
    commit()
    page = login(moderator).get("/manage/log", headers=FR).text
    rows = _cells(page)
    suspension = next(row for row in rows if "Membre suspendu" in row)
    assert "Suspendu jusqu\u2019au" in suspension
    assert not re.search(r"\d{4}-\d\d-\d\dT", suspension)  # a date in words, not ISO
    role = next(row for row in rows if "Rôle modifié" in row)
    assert "Rôle Membre" in role and "Rôle Responsable de communauté" in role
    assert "suspended_until" not in page and ">role<" not in page


def test_campaign_entries_name_their_campaign_and_state_in_words(login, staff, moderator):
    from app.invitations import campaigns

    campaign = campaigns.create(staff, "event", title_en="Tasting", title_fr="Dégustation")
    commit()
    campaigns.cancel(staff, campaign, "Room unavailable")
    commit()
    page = login(moderator).get("/manage/log", headers=FR).text
    row = next(row for row in _cells(page) if "Campagne annulée" in row)
    assert f"campagne {campaign.id}" in row
    assert "État brouillon" in row and "État annulée" in row
    assert "state" not in row and "cancelled" not in row
    # The target links to the campaign's page for whoever may open it.
    assert f'href="/staff/campaigns/{campaign.id}"' not in page
    assert f'href="/staff/campaigns/{campaign.id}"' in login(staff).get("/manage/log").text


def test_the_csv_keeps_the_raw_codes(login, member, moderator):
    members.suspend(moderator, member, 3, "Insultes")
    commit()
    export = login(moderator).get("/manage/log.csv")
    text = export.get_data(as_text=True)
    export.close()
    assert "user.suspend" in text and "suspended_until" in text


def test_each_cell_names_its_column_for_the_phone_layout(login, member, moderator):
    members.warn(moderator, member, "Restez dans le sujet")
    commit()
    page = login(moderator).get("/manage/log", headers=FR).text
    for label in ("Quand", "Qui", "Action", "Cible", "Avant", "Après", "Motif"):
        assert f'data-label="{label}"' in page
