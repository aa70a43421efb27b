"""A preview's private space, opened and closed from the campaign's staff page."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.events import commit
from app.extensions import db
from app.forum.models import Category
from app.invitations import replies, sending
from app.invitations.models import Campaign, Invitation
from app.moderation.models import AuditEntry
from tests.support import form_submission


def _sent_preview(make_campaign) -> Campaign:
    campaign = make_campaign("preview")
    sending.send(campaign.id)
    commit()
    return campaign


def _accept(campaign, member) -> None:
    invitation_id = db.session.scalar(
        select(Invitation.id).where(
            Invitation.campaign_id == campaign.id, Invitation.user_id == member.id
        )
    )
    replies.reply(member, invitation_id, "accept")
    commit()


def _press(desk, campaign, action):
    page = desk.get(f"/staff/campaigns/{campaign.id}").text
    url, data = form_submission(page, f"/staff/campaigns/{campaign.id}/space/{action}")
    response = desk.client.post(url, data=data)
    assert response.status_code == 302, response.status_code
    return desk.get(response.headers["Location"]).text


def test_staff_open_a_previews_space_that_only_members_with_a_seat_read(
    make_user, login, staff, make_campaign
):
    insider, outsider = make_user("insider"), make_user("outsider")
    campaign = _sent_preview(make_campaign)
    _accept(campaign, insider)
    desk = login(staff)
    before = desk.get(f"/staff/campaigns/{campaign.id}").text
    assert "Open the private space" in before and "End members" not in before

    page = _press(desk, campaign, "open")
    assert "The private space is open" in page
    category = db.session.scalar(select(Category).where(Category.slug.like("space-campaign-%")))
    assert category is not None and f'href="/c/{category.slug}"' in page
    assert login(insider).get(f"/c/{category.slug}").status_code == 200
    assert login(outsider).get(f"/c/{category.slug}").status_code == 404

    # Pressed again (a double click): still the one category.
    _press(desk, campaign, "open")
    assert db.session.scalar(select(func.count()).select_from(Category)
                             .where(Category.slug.like("space-campaign-%"))) == 1  # fmt: skip

    page = _press(desk, campaign, "close")
    assert "Access ended for 1 member." in page
    assert login(insider).get(f"/c/{category.slug}").status_code == 404
    assert desk.get(f"/c/{category.slug}").status_code == 200  # staff still read it
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_id == campaign.id)
    ).all()
    assert {"campaign.space_open", "campaign.space_close"} <= set(actions)


def test_the_space_box_is_offered_only_for_previews_and_workshops(login, staff, make_campaign):
    desk = login(staff)
    for kind, offered in (("preview", True), ("workshop", True), ("event", False),
                          ("survey", False), ("offer", False)):  # fmt: skip
        campaign = make_campaign(kind)
        page = desk.get(f"/staff/campaigns/{campaign.id}").text
        assert ("Private space" in page) is offered, kind


def test_the_space_box_speaks_french(login, staff, make_campaign):
    campaign = make_campaign("preview")
    staff.locale = "fr"  # the staff member's own language
    commit()
    page = login(staff).get(f"/staff/campaigns/{campaign.id}").text
    assert "Espace privé" in page and "Ouvrir l\u2019espace privé" in page
