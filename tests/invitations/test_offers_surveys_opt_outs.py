"""Offer codes never given twice, one survey response per invitation, opt-outs by link."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.core.events import commit
from app.core.mail import OutboxMessage
from app.extensions import db
from app.invitations import offers, opt_outs, replies, sending, surveys
from app.invitations.errors import CampaignError, ReplyError
from app.invitations.models import ACCEPTED, WAITLISTED, Invitation, OfferCode
from tests.support import at_once


def _invitation(campaign, user) -> Invitation:
    db.session.expire_all()
    return db.session.scalar(
        select(Invitation).where(
            Invitation.campaign_id == campaign.id, Invitation.user_id == user.id
        )
    )


def test_each_accepting_member_gets_the_next_code_and_codes_are_never_reused(
    make_user, staff, make_campaign
):
    members = [make_user() for _ in range(3)]
    campaign = make_campaign("offer")
    report = offers.upload_codes(staff, campaign.id, "AAA-1\nAAA-2\n\nAAA-1\n" + "x" * 65)
    commit()
    assert (report.added, report.already_there, report.too_long_lines) == (2, 0, (5,))
    sending.send(campaign.id)
    commit()

    for member in members:
        replies.reply(member, _invitation(campaign, member).id, "accept")
        commit()
    codes = [offers.code_for(_invitation(campaign, m).id) for m in members]
    assert codes == ["AAA-1", "AAA-2", None]
    assert _invitation(campaign, members[2]).state == WAITLISTED

    # The first declines: their code stays theirs; nobody else ever gets it.
    replies.reply(members[0], _invitation(campaign, members[0]).id, "decline")
    commit()
    assert _invitation(campaign, members[2]).state == WAITLISTED
    assert offers.code_for(_invitation(campaign, members[0]).id) == "AAA-1"

    # New codes go to the waitlist at once.
    offers.upload_codes(staff, campaign.id, "AAA-2\nBBB-1\n")
    commit()
    assert _invitation(campaign, members[2]).state == ACCEPTED
    assert offers.code_for(_invitation(campaign, members[2]).id) == "BBB-1"
    given = db.session.scalars(select(OfferCode.code).where(OfferCode.invitation_id.is_not(None)))
    assert sorted(given) == ["AAA-1", "AAA-2", "BBB-1"]


def test_thirty_members_racing_for_ten_codes_get_ten_different_codes(
    app, make_user, staff, make_campaign
):
    members = [make_user() for _ in range(30)]
    campaign = make_campaign("offer")
    offers.upload_codes(staff, campaign.id, "\n".join(f"CODE-{n}" for n in range(10)))
    sending.send(campaign.id)
    commit()
    ids = [_invitation(campaign, m).id for m in members]
    member_ids = [m.id for m in members]

    def accept(i: int) -> str:
        with app.app_context():
            from app.accounts.models import User

            state = replies.reply(db.session.get(User, member_ids[i]), ids[i], "accept").state
            commit()
            db.session.remove()
            return state

    results = at_once(30, accept)
    assert sorted(results) == [ACCEPTED] * 10 + [WAITLISTED] * 20, results
    assigned = db.session.scalar(
        select(func.count(func.distinct(OfferCode.invitation_id))).where(
            OfferCode.invitation_id.is_not(None)
        )
    )
    assert assigned == 10


def test_only_an_offer_has_codes(staff, make_campaign):
    campaign = make_campaign("event")
    with pytest.raises(CampaignError):
        offers.upload_codes(staff, campaign.id, "A\n")


def _survey(staff, make_campaign):
    campaign = make_campaign("survey")
    surveys.add_question(staff, campaign.id, "single", "Favourite roast?", "Torréfaction ?",
                         choices=[{"en": "Light"}, {"en": "Dark"}])  # fmt: skip
    surveys.add_question(staff, campaign.id, "nps", "Would you recommend us?")
    surveys.add_question(staff, campaign.id, "text", "Anything else?", required=False)
    commit()
    sending.send(campaign.id)
    commit()
    return campaign


def test_one_survey_response_per_invitation_and_results_per_question(
    make_user, staff, make_campaign
):
    ana, ben = make_user(), make_user()
    campaign = _survey(staff, make_campaign)
    questions = sorted(q.id for q in db.session.scalars(select(surveys.SurveyQuestion)))
    single, nps, text = questions

    surveys.submit(ana, _invitation(campaign, ana).id, {single: 1, nps: 9, text: "More decaf"})
    surveys.submit(ben, _invitation(campaign, ben).id, {single: 1, nps: 10})
    commit()
    with pytest.raises(ReplyError):
        surveys.submit(ana, _invitation(campaign, ana).id, {single: 0, nps: 0})
    db.session.rollback()

    results = surveys.results(campaign.id)
    assert results[single] == {"values": {1: 2}, "answered": 2}
    assert results[nps] == {"values": {9: 1, 10: 1}, "answered": 2}


@pytest.mark.parametrize("answers", [{}, {"single": 5, "nps": 3}, {"single": 0, "nps": 11},
                                     {"single": "x", "nps": 3}])  # fmt: skip
def test_answers_that_do_not_fit_are_refused(make_user, staff, make_campaign, answers):
    member = make_user()
    campaign = _survey(staff, make_campaign)
    single, nps, _text = sorted(q.id for q in db.session.scalars(select(surveys.SurveyQuestion)))
    named = {single: answers.get("single"), nps: answers.get("nps")} if answers else {}
    with pytest.raises(CampaignError):
        surveys.submit(member, _invitation(campaign, member).id, named)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(surveys.SurveyResponse)) == 0


def test_the_unsubscribe_link_of_an_email_opts_the_member_out(make_user, make_campaign):
    member = make_user()
    sending.send(make_campaign().id)
    commit()
    body = db.session.scalar(select(OutboxMessage.text_body))
    token = re.search(r"/invitations/unsubscribe/([0-9a-f]+)", body).group(1)

    assert opt_outs.unsubscribe_by_link("0" * 32) is None
    assert opt_outs.unsubscribe_by_link("../etc") is None
    assert not opt_outs.has_opted_out(member.id)
    assert opt_outs.unsubscribe_by_link(token) == member.id
    commit()
    assert opt_outs.has_opted_out(member.id)
    assert opt_outs.opt_in(member.id)
    commit()
    assert not opt_outs.has_opted_out(member.id)
