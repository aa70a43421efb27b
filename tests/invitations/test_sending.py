"""Sending: one invitation, notification and email per member, once, whatever happens."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.core.events import commit
from app.core.mail import OutboxMessage
from app.core.notifications import Notification
from app.extensions import db
from app.invitations import opt_outs, sending
from app.invitations.errors import CampaignError
from app.invitations.models import OPEN, Campaign, Invitation
from app.invitations.tokens import CHECKIN, REPLY, campaign_key, derive, digest
from tests.support import at_once


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_sending_invites_notifies_and_emails_every_member_of_the_audience(
    make_user, staff, make_campaign
):
    members = [make_user() for _ in range(3)]
    campaign = make_campaign()

    result = sending.send(campaign.id, actor_id=staff.id)
    commit()

    assert (result.sent, result.invited, result.notified, result.emailed) == (True, 3, 3, 3)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == OPEN
    invited = set(db.session.scalars(select(Invitation.user_id)))
    assert invited == {m.id for m in members}  # not the staff member who made it
    invited_kind = Notification.kind == "invitations.invited"
    notes = db.session.scalars(select(Notification).where(invited_kind))
    assert {n.user_id for n in notes} == invited
    assert {m.recipient for m in db.session.scalars(select(OutboxMessage))} == {
        m.email for m in members
    }


def test_each_email_carries_the_members_own_token_whose_hash_alone_is_stored(
    make_user, make_campaign
):
    ana = make_user("ana")
    campaign = make_campaign()
    sending.send(campaign.id)
    commit()

    key = campaign_key(campaign.token_salt)
    token = derive(key, REPLY, ana.id)
    invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == ana.id))
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == ana.email))
    assert invitation.reply_token_hash == digest(token)  # what SQL made is what Python makes
    assert invitation.checkin_code == derive(key, CHECKIN, ana.id)
    assert re.match(rf"^{ana.id}-[0-9a-f]{{10}}$", invitation.checkin_code)
    assert token not in invitation.reply_token_hash
    assert f"/invitations/reply/{token}/accept" in message.text_body
    assert f"/invitations/reply/{token}/decline" in message.html_body
    assert "Dear ana, we would love to see you." in message.text_body
    assert "<strong>new</strong>" in message.html_body
    assert "[[tribune:" not in message.text_body + message.html_body
    assert message.message_id == invitation.email_message_id
    assert f"/invitations/unsubscribe/{token}" in message.text_body


def test_members_get_the_email_in_their_language(make_user, make_campaign):
    make_user("francoise", locale="fr")
    make_user("edward", locale="en")
    sending.send(make_campaign().id)
    commit()

    by_name = {m.recipient.split("@")[0]: m for m in db.session.scalars(select(OutboxMessage))}
    assert by_name["francoise"].subject == "Dégustation à la brûlerie"
    assert "Cher francoise" in by_name["francoise"].text_body
    assert by_name["francoise"].language == "fr"
    assert by_name["edward"].subject == "Coffee tasting at the roastery"
    assert by_name["edward"].language == "en"


def test_members_who_opted_out_get_the_invitation_in_tribune_but_no_email(make_user, make_campaign):
    quiet, loud = make_user(), make_user()
    assert opt_outs.opt_out(quiet.id)
    commit()

    result = sending.send(make_campaign().id)
    commit()

    assert (result.invited, result.notified, result.emailed) == (2, 2, 1)
    assert [m.recipient for m in db.session.scalars(select(OutboxMessage))] == [loud.email]
    invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == quiet.id))
    assert not invitation.emailed and invitation.email_message_id is None


def test_sending_twice_is_a_no_op(make_user, make_campaign):
    make_user()
    campaign = make_campaign()
    assert sending.send(campaign.id).sent
    commit()

    again = sending.send(campaign.id)
    commit()

    assert not again.sent
    assert (_count(Invitation), _count(Notification), _count(OutboxMessage)) == (1, 1, 1)


def test_a_campaign_without_a_future_deadline_is_not_sent(make_user, make_campaign):
    make_user()
    campaign = make_campaign(reply_deadline=None)
    with pytest.raises(CampaignError):
        sending.send(campaign.id)
    db.session.rollback()
    assert _count(Invitation) == 0


def test_thirty_sends_at_once_give_one_invitation_email_and_notification_each(
    app, make_user, make_campaign
):
    members = [make_user() for _ in range(5)]
    campaign_id = make_campaign().id

    def click(_i: int) -> bool:
        with app.app_context():
            result = sending.send(campaign_id)
            commit()
            db.session.remove()
            return result.sent

    results = at_once(30, click)

    assert all(isinstance(r, bool) for r in results), results
    assert results.count(True) == 1
    assert _count(Invitation) == len(members)
    assert _count(Notification) == len(members)
    assert _count(OutboxMessage) == len(members)


def test_a_retry_after_a_failure_sends_everything_once(make_user, make_campaign, monkeypatch):
    make_user(), make_user()
    campaign = make_campaign()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(sending, "insert_emails", broken)
    with pytest.raises(RuntimeError):
        sending.send(campaign.id)
    db.session.rollback()
    assert _count(Invitation) == 0  # nothing half-written
    monkeypatch.undo()

    assert sending.send(campaign.id).invited == 2
    commit()
    assert (_count(Invitation), _count(Notification), _count(OutboxMessage)) == (2, 2, 2)


def test_sending_runs_the_same_statements_for_five_members_as_for_fifty(
    make_user, make_campaign, count_queries
):
    counts = []
    for size in (5, 50):
        members = [make_user() for _ in range(size)]
        campaign = make_campaign(audience={"not_invited_within_days": 1})
        with count_queries() as counter:
            result = sending.send(campaign.id)
            commit()
        assert result.invited == size, members
        counts.append(counter.count)
    assert counts[0] == counts[1]  # set-based: nothing per member


def test_no_email_names_a_status_as_the_reason_for_the_invitation(make_user, make_campaign):
    from app.ambassadors.models import AmbassadorRun, SegmentMember
    from app.core.clock import now_utc

    ambassador = make_user("amb_one")
    run = AmbassadorRun(as_of=now_utc(), window_days=90)
    db.session.add(run)
    db.session.flush()
    db.session.add(SegmentMember(run_id=run.id, user_id=ambassador.id, segment="ambassador"))
    commit()
    sending.send(make_campaign(audience={"segments": ["ambassador"]}).id)
    commit()

    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == ambassador.email
    for word in ("ambassador", "status", "segment", "ambassadeur", "statut"):
        assert word not in (message.subject + message.text_body + message.html_body).lower()
