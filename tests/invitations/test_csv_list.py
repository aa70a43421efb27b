"""An audience uploaded as CSV: good rows kept, each bad one reported with its line."""

from __future__ import annotations

from sqlalchemy import select

from app.core.events import commit
from app.extensions import db
from app.invitations import audience, campaigns, sending
from app.invitations.audience import Criteria
from app.invitations.models import Invitation, ListedMember


def _listed(campaign_id: int) -> set[int]:
    query = select(ListedMember.user_id).where(ListedMember.campaign_id == campaign_id)
    return set(db.session.scalars(query))


def test_usernames_emails_and_customer_ids_are_kept_and_bad_rows_reported_by_line(
    make_user, staff, make_campaign
):
    ana, ben, cleo = make_user("ana_b"), make_user("benoit"), make_user("cleo")
    cleo.external_customer_id = "CRM-0042"
    commit()
    campaign = make_campaign()
    text = (
        "username\n"  # a header
        "Ana_B\n"  # any case
        "BENOIT@example.com\n"
        "\n"  # blank: skipped, not an error
        "CRM-0042\n"
        "nobody_here\n"
        "ghost@example.com\n"
        '"benoit",extra,cells\n' + "x" * 300 + "\n"  # repeated: kept once
    )

    report = campaigns.upload_list(staff, campaign, text)
    commit()

    assert report.kept == 3
    assert [(e.line, e.message) for e in report.errors] == [
        (6, "Line 6: no member is known as “nobody_here”."),
        (7, "Line 7: no member is known as “ghost@example.com”."),
        (9, "Line 9: this value cannot name a member."),
    ]
    assert _listed(campaign.id) == {ana.id, ben.id, cleo.id}
    assert campaign.audience == {"listed": True}


def test_the_list_is_an_audience_criterion_and_is_sent_to(make_user, staff, make_campaign):
    listed, _other = make_user("listed"), make_user("unlisted")
    staff_member = make_user("staffer", role="staff")
    campaign = make_campaign()
    report = campaigns.upload_list(staff, campaign, f"listed\n{staff_member.username}\n")
    commit()

    assert report.errors == []  # staff are a known member, and left out by the audience
    criteria = Criteria.from_json(campaign.audience)
    assert audience.count(criteria, campaign.id) == 1
    assert sending.send(campaign.id).invited == 1
    commit()
    assert list(db.session.scalars(select(Invitation.user_id))) == [listed.id]


def test_a_new_upload_replaces_the_list(make_user, staff, make_campaign):
    first, second = make_user("first"), make_user("second")
    campaign = make_campaign()
    campaigns.upload_list(staff, campaign, "first\n")
    campaigns.upload_list(staff, campaign, "second\n")
    commit()
    assert _listed(campaign.id) == {second.id}
    assert first.id not in _listed(campaign.id)


def test_binary_junk_and_oversized_cells_are_reported_not_a_500(make_user, staff, make_campaign):
    make_user("ana_b")
    campaign = make_campaign()
    text = "ana_b\nnul\x00byte\n" + "y" * 300 + '\n"never closed\n' + "z\n" * 150_000
    report = campaigns.upload_list(staff, campaign, text)
    commit()
    assert report.kept == 1
    assert [e.line for e in report.errors] == [2, 3, 4]
    assert "cannot be read as CSV" in report.errors[2].message


def test_the_list_before_the_campaign_exists_names_nobody(make_user):
    make_user()
    assert audience.count(Criteria.from_json({"listed": True})) == 0


def test_a_duplicated_draft_keeps_the_list(make_user, staff, make_campaign):
    member = make_user("kept_one")
    campaign = make_campaign()
    campaigns.upload_list(staff, campaign, "kept_one\n")
    commit()
    copy = campaigns.duplicate(staff, campaign)
    commit()
    assert copy.state == "draft" and copy.title_en == campaign.title_en
    assert _listed(copy.id) == {member.id}
