"""Reminders: to those who have not answered, once a day at most, opt-outs respected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.clock import now_utc
from app.core.events import commit
from app.core.mail import OutboxMessage
from app.extensions import db
from app.invitations import opt_outs, reminders, replies, sending
from app.invitations.errors import CampaignError
from app.invitations.models import Invitation
from app.invitations.tokens import REPLY, campaign_key, derive
from tests.support import at_once


def _reminders() -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.message_id.contains("remind")))
    )


def test_a_reminder_reaches_only_who_has_not_answered_and_still_wants_email(
    make_user, staff, make_campaign
):
    waiting, answered, quiet = make_user(), make_user(), make_user()
    campaign = make_campaign()
    sending.send(campaign.id)
    commit()
    invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == answered.id))
    replies.reply(answered, invitation.id, "decline")
    opt_outs.opt_out(quiet.id, "link")
    commit()

    assert reminders.remind(staff, campaign.id) == 1
    commit()

    [message] = _reminders()
    assert message.recipient == waiting.email
    assert message.subject.startswith("Reminder: ")
    token = derive(campaign_key(campaign.token_salt), REPLY, waiting.id)
    assert f"/invitations/reply/{token}/accept" in message.text_body  # the same link


def test_at_most_one_reminder_a_day_even_from_two_staff_at_once(
    app, make_user, staff, make_campaign
):
    make_user()
    campaign = make_campaign()
    sending.send(campaign.id)
    commit()
    staff_id = staff.id

    def remind(_i: int) -> int:
        from app.accounts.models import User

        with app.app_context():
            try:
                queued = reminders.remind(db.session.get(User, staff_id), campaign.id)
                commit()
                return queued
            except CampaignError as error:
                return -error.status
            finally:
                db.session.remove()

    assert sorted(at_once(5, remind)) == [-429] * 4 + [1]
    assert len(_reminders()) == 1
    tomorrow = now_utc() + timedelta(days=1, minutes=1)
    assert reminders.remind(staff, campaign.id, at=tomorrow) == 1
    commit()
    assert len(_reminders()) == 2


def test_no_reminder_for_a_campaign_not_open(make_user, staff, make_campaign):
    campaign = make_campaign()
    with pytest.raises(CampaignError):
        reminders.remind(staff, campaign.id)
