"""Attendance by check-in code: a signal for the ambassador score and the Event guest badge."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.ambassadors.models import ExternalSignal
from app.badges.models import BadgeAward
from app.core.clock import now_utc
from app.core.events import commit
from app.extensions import db
from app.invitations import attendance, replies, sending
from app.invitations.errors import CampaignError
from app.invitations.models import ATTENDED, Invitation


def _invitation(campaign, user) -> Invitation:
    db.session.expire_all()
    return db.session.scalar(
        select(Invitation).where(
            Invitation.campaign_id == campaign.id, Invitation.user_id == user.id
        )
    )


def test_staff_mark_attendance_by_check_in_code_once(make_user, staff, make_campaign):
    member = make_user()
    campaign = make_campaign()
    sending.send(campaign.id)
    commit()
    replies.reply(member, _invitation(campaign, member).id, "accept")
    commit()
    code = _invitation(campaign, member).checkin_code

    for scanned in (code.upper(), f"  {code} "):  # scanned twice: one attendance
        attendance.mark_attended(staff, campaign.id, scanned)
        commit()

    invitation = _invitation(campaign, member)
    assert invitation.state == ATTENDED and invitation.attended_at <= now_utc()
    signals = db.session.scalars(select(ExternalSignal)).all()
    assert [(s.user_id, s.kind, s.value, s.source) for s in signals] == [
        (member.id, "event", 1.0, "campaign")
    ]
    badges = db.session.scalars(select(BadgeAward.badge).where(BadgeAward.user_id == member.id))
    assert list(badges) == ["event-guest"]


def test_a_wrong_or_forged_code_finds_nobody(make_user, staff, make_campaign):
    member = make_user()
    campaign = make_campaign()
    sending.send(campaign.id)
    commit()
    code = _invitation(campaign, member).checkin_code
    for wrong in ("not-a-code", f"{member.id}-{'0' * 10}", code.replace(f"{member.id}-",
                  f"{staff.id}-"), ""):  # fmt: skip
        with pytest.raises(CampaignError) as raised:
            attendance.mark_attended(staff, campaign.id, wrong)
        assert raised.value.status == 404
    assert db.session.scalar(select(func.count()).select_from(ExternalSignal)) == 0


def test_attending_a_preview_earns_no_event_signal(make_user, staff, make_campaign):
    member = make_user()
    campaign = make_campaign("preview")
    sending.send(campaign.id)
    commit()
    attendance.mark_attended(staff, campaign.id, _invitation(campaign, member).checkin_code)
    commit()
    assert db.session.scalar(select(func.count()).select_from(ExternalSignal)) == 0


def test_members_cannot_mark_attendance(make_user, make_campaign):
    member = make_user()
    campaign = make_campaign()
    sending.send(campaign.id)
    commit()
    with pytest.raises(CampaignError) as raised:
        attendance.mark_attended(member, campaign.id, _invitation(campaign, member).checkin_code)
    assert raised.value.status == 403
