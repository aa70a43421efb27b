"""Private spaces of previews and workshops: who reads them, until when, and the cache."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.core import parts, permissions
from app.core.clock import now_utc
from app.core.events import commit
from app.core.permissions import CapabilityGrant, UnknownCapability
from app.core.templating import slugify
from app.extensions import db
from app.forum.categories import create_category
from app.forum.errors import ForumError
from app.forum.models import Category, Topic
from app.invitations import attendance, campaigns, replies, sending, spaces
from app.invitations.errors import CampaignError
from app.invitations.models import Campaign, Invitation
from app.moderation.models import AuditEntry
from tests.support import at_once

TITLE = "Coffee tasting at the roastery"


def _sent(make_campaign, kind="preview", **fields) -> Campaign:
    campaign = make_campaign(kind, **fields)
    sending.send(campaign.id)
    commit()
    return campaign


def _invitation(campaign, user) -> Invitation:
    db.session.expire_all()
    return db.session.scalar(
        select(Invitation).where(
            Invitation.campaign_id == campaign.id, Invitation.user_id == user.id
        )
    )


def _answer(campaign, user, answer="accept") -> None:
    replies.reply(user, _invitation(campaign, user).id, answer)
    commit()


def _open(staff, campaign) -> Category:
    category = spaces.open_space(staff, db.session.get(Campaign, campaign.id))
    commit()
    return category


def _grants(campaign) -> list[tuple[int, object]]:
    db.session.expire_all()
    name = f"space.campaign.{campaign.id}"
    return db.session.execute(
        select(CapabilityGrant.user_id, CapabilityGrant.expires_at)
        .where(CapabilityGrant.capability == name, CapabilityGrant.source == "campaign")
        .order_by(CapabilityGrant.user_id)
    ).all()


def _topic_url(category: Category) -> str:
    topic = db.session.scalar(select(Topic).where(Topic.category_id == category.id))
    return f"/t/{topic.id}/{slugify(topic.title)}"


def _reads(browser, category: Category) -> bool:
    """Whether the member sees the space: listed at home, its page and its topic open."""
    home = browser.get("/").get_data(as_text=True)
    listed = f"/c/{category.slug}" in home
    page = browser.get(f"/c/{category.slug}").status_code
    topic = browser.get(_topic_url(category)).status_code
    assert (listed, page, topic) in ((True, 200, 200), (False, 404, 404)), (listed, page, topic)
    return listed


def test_a_preview_space_is_read_by_accepted_members_staff_and_moderators_only(
    app, client, make_user, staff, moderator, login, make_campaign
):
    coming, silent, declining = make_user(), make_user(), make_user()
    campaign = _sent(make_campaign)
    _answer(campaign, coming)
    _answer(campaign, declining, "decline")

    space = _open(staff, campaign)

    assert (space.name, space.required_capability) == (TITLE, f"space.campaign.{campaign.id}")
    assert space.description == "Dégustation à la brûlerie"  # the title in the other language
    assert db.session.get(Campaign, campaign.id).space_category_id == space.id
    # A preview without an end of its own: the reply deadline plus the configured days.
    days = app.config["CAMPAIGN_PREVIEW_SPACE_DAYS"]
    assert _grants(campaign) == [(coming.id, campaign.reply_deadline + timedelta(days=days))]
    # Its first topic holds the campaign's text (links and files are written there).
    topic_page = login(coming).get(_topic_url(space)).get_data(as_text=True)
    assert "<strong>new</strong> blends" in topic_page and "<strong>nouveaux</strong>" in topic_page
    assert _reads(login(coming), space)
    for outsider in (silent, declining):
        assert not _reads(login(outsider), space)
    assert _reads(login(staff), space) and _reads(login(moderator), space)
    assert client.get(f"/c/{space.slug}").status_code == 404
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.space_open"))
    assert entry.one().target_id == campaign.id


def test_members_accepting_later_get_in_until_the_workshop_ends_and_leave_by_declining(
    make_user, staff, login, make_campaign
):
    member = make_user()
    campaign = _sent(make_campaign, "workshop")
    space = _open(staff, campaign)
    assert _grants(campaign) == [] and not _reads(login(member), space)

    _answer(campaign, member)
    assert _grants(campaign) == [(member.id, campaign.ends_at)]
    assert _reads(login(member), space)

    _answer(campaign, member, "decline")
    assert _grants(campaign) == []
    assert not _reads(login(member), space)


def test_a_seat_from_the_waitlist_opens_the_space_and_a_removal_closes_it(
    make_user, staff, login, make_campaign
):
    first, second = make_user(), make_user()
    campaign = _sent(make_campaign, "workshop", capacity=1)
    _answer(campaign, first)
    _answer(campaign, second)  # waitlisted
    space = _open(staff, campaign)
    assert [user_id for user_id, _ in _grants(campaign)] == [first.id]

    _answer(campaign, first, "decline")  # the seat goes to the waitlist
    assert [user_id for user_id, _ in _grants(campaign)] == [second.id]
    assert _reads(login(second), space) and not _reads(login(first), space)

    replies.remove(staff, _invitation(campaign, second).id, reason="left the company")
    commit()
    assert _grants(campaign) == []


def test_cancelling_closes_the_space_for_everyone_and_closing_keeps_it_until_it_expires(
    make_user, staff, login, make_campaign
):
    members = [make_user() for _ in range(3)]
    cancelled = _sent(make_campaign)
    kept = _sent(make_campaign, title_en="Spring blends preview")
    for campaign in (cancelled, kept):
        for member in members:
            _answer(campaign, member)
    cancelled_space, kept_space = _open(staff, cancelled), _open(staff, kept)
    assert len(_grants(cancelled)) == 3

    campaigns.cancel(staff, db.session.get(Campaign, cancelled.id), reason="no stock")
    campaigns.close(staff, db.session.get(Campaign, kept.id))
    commit()

    assert _grants(cancelled) == [] and len(_grants(kept)) == 3
    assert not _reads(login(members[0]), cancelled_space)
    assert _reads(login(members[0]), kept_space)
    # Once the campaign is over, the grant no longer opens anything.
    db.session.execute(update(CapabilityGrant).values(expires_at=now_utc() - timedelta(minutes=1)))
    commit()
    assert not _reads(login(members[0]), kept_space)
    with pytest.raises(CampaignError) as raised:
        spaces.open_space(staff, db.session.get(Campaign, cancelled.id))
    assert raised.value.status == 409


def test_opening_twice_keeps_one_category_and_closing_the_space_lets_everyone_out(
    make_user, staff, login, make_campaign
):
    member = make_user()
    campaign = _sent(make_campaign)
    _answer(campaign, member)
    space = _open(staff, campaign)
    assert _open(staff, campaign).id == space.id
    assert db.session.scalar(select(func.count()).select_from(Category)) == 1
    assert len(_grants(campaign)) == 1

    assert spaces.close_space(staff, db.session.get(Campaign, campaign.id)) == 1
    commit()
    assert not _reads(login(member), space) and _reads(login(staff), space)
    _open(staff, campaign)  # opened again: the seated members are back
    assert _reads(login(member), space)


def test_only_staff_open_spaces_and_only_for_previews_and_workshops(
    make_user, staff, moderator, make_campaign
):
    member = make_user()
    preview = _sent(make_campaign)
    for actor in (member, moderator):
        with pytest.raises(CampaignError) as raised:
            spaces.open_space(actor, db.session.get(Campaign, preview.id))
        assert raised.value.status == 403
    for kind in ("event", "survey", "offer"):
        other = make_campaign(kind)
        with pytest.raises(CampaignError) as raised:
            spaces.open_space(staff, other)
        assert raised.value.status == 409
    assert db.session.scalar(select(func.count()).select_from(Category)) == 0


def test_a_workshop_participant_who_never_answered_gets_in_at_the_door(
    make_user, staff, login, make_campaign
):
    member = make_user()
    campaign = _sent(make_campaign, "workshop")
    space = _open(staff, campaign)
    attendance.mark_attended(staff, campaign.id, _invitation(campaign, member).checkin_code)
    commit()
    assert _grants(campaign) == [(member.id, campaign.ends_at)]
    assert _reads(login(member), space)


def test_a_suspended_member_keeps_reading_the_space(make_user, staff, login, make_campaign):
    member = make_user()
    campaign = _sent(make_campaign)
    _answer(campaign, member)
    space = _open(staff, campaign)
    db.session.get(User, member.id).suspended_until = now_utc() + timedelta(days=3)
    commit()
    assert _reads(login(member), space)


def test_the_space_family_takes_only_well_formed_names(app):
    assert permissions.is_known("space.campaign.12")
    assert permissions.space_capability("campaign", 12) == "space.campaign.12"
    assert permissions.role_can("staff", "space.campaign.12")
    assert permissions.role_can("moderator", "space.campaign.12")
    assert not permissions.role_can("member", "space.campaign.12")
    for bad in ("space.campaign.0", "space.campaign.x", "space..1", "space.campaign.12 ",
                "space.campaign.1%", "space.Campaign.1", "space.campaign." + "9" * 19):  # fmt: skip
        assert not permissions.is_known(bad), bad
        with pytest.raises(UnknownCapability):
            permissions.grant(1, bad, "test")
        with pytest.raises(ForumError):
            create_category("Bad", "bad", required_capability=bad)


def test_accepting_twice_at_once_gives_one_grant(app, make_user, staff, make_campaign):
    member = make_user()
    campaign = _sent(make_campaign)
    _open(staff, campaign)
    invitation_id, member_id = _invitation(campaign, member).id, member.id

    def accept(_i: int) -> str:
        with app.app_context():
            try:
                replies.reply(db.session.get(User, member_id), invitation_id, "accept")
                commit()
                return "accepted"
            finally:
                db.session.remove()

    assert at_once(2, accept) == ["accepted", "accepted"]
    assert len(_grants(campaign)) == 1


def test_opening_twice_at_once_makes_one_category(app, make_user, staff, make_campaign):
    make_user()
    campaign_id, staff_id = _sent(make_campaign).id, staff.id  # read before the threads

    def open_it(_i: int) -> int:
        with app.app_context():
            try:
                found = spaces.open_space(
                    db.session.get(User, staff_id), db.session.get(Campaign, campaign_id)
                )
                commit()
                return found.id
            finally:
                db.session.remove()

    first, second = at_once(2, open_it)
    assert first == second
    assert db.session.scalar(select(func.count()).select_from(Category)) == 1


def test_members_with_and_without_the_space_never_see_each_others_cached_lists(
    app, make_user, make_topic, staff, login, make_campaign, count_queries
):
    assert app.config["PAGE_CACHE_BYTES"] > 0  # the cache is on: parts are shared
    invitee, outsider = make_user("invitee"), make_user("outsider")
    make_topic(outsider, title="A public question")  # both lists show topics
    campaign = _sent(make_campaign)
    _answer(campaign, invitee)
    space = _open(staff, campaign)
    commit()
    link = f'href="/c/{space.slug}"'
    # Both orders: whoever fills the cache first, the other gets their own list.
    for first, second in ((invitee, outsider), (outsider, invitee)):
        parts.parts(app).cache.clear()
        pages = {}
        for reader in (first, second):
            browser = login(reader)
            with count_queries() as counter:
                pages[reader.id] = browser.get("/").get_data(as_text=True)
            pages[reader.id, "queries"] = counter.count
        assert link in pages[invitee.id] and TITLE in pages[invitee.id]
        assert link not in pages[outsider.id] and TITLE not in pages[outsider.id]
        # The space costs no query of its own: the grants came with the member.
        assert pages[invitee.id, "queries"] == pages[outsider.id, "queries"]
    categories = login(invitee).get("/new").get_data(as_text=True)
    assert TITLE in categories
    assert TITLE not in login(outsider).get("/new").get_data(as_text=True)
