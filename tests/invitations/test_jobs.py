"""The scheduler's campaign jobs: send what is due, close what is past its deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.clock import now_utc
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.invitations import campaigns
from app.invitations.errors import CampaignError
from app.invitations.models import CLOSED, DRAFT, OPEN, SCHEDULED, Campaign


def test_a_scheduled_campaign_is_sent_when_due_and_only_then(make_user, staff, make_campaign):
    make_user()
    campaign = make_campaign()
    campaigns.schedule(staff, campaign, now_utc() + timedelta(hours=1))
    commit()

    assert run_job("send-scheduled-campaigns", trigger="manual").outcome == "success"
    assert db.session.get(Campaign, campaign.id).state == SCHEDULED
    run_job("send-scheduled-campaigns", trigger="manual", as_of=now_utc() + timedelta(hours=2))
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == OPEN
    assert db.session.get(Campaign, campaign.id).invited_count == 1


def test_an_unscheduled_campaign_is_a_draft_again_and_only_drafts_change(staff, make_campaign):
    campaign = make_campaign()
    campaigns.schedule(staff, campaign, now_utc() + timedelta(hours=1))
    commit()
    with pytest.raises(CampaignError):
        campaigns.update_draft(staff, campaign, title_en="Changed")
    campaigns.unschedule(staff, campaign)
    commit()
    assert db.session.get(Campaign, campaign.id).state == DRAFT
    campaigns.update_draft(staff, campaign, title_en="Changed")
    commit()
    assert db.session.get(Campaign, campaign.id).title_en == "Changed"


def test_open_campaigns_past_their_deadline_are_closed(make_user, make_campaign):
    from app.invitations import sending

    make_user()
    campaign = make_campaign()
    sending.send(campaign.id)
    commit()
    later = campaign.reply_deadline + timedelta(days=1)
    assert run_job("close-campaigns", trigger="manual", as_of=later).outcome == "success"
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CLOSED


def test_members_cannot_manage_campaigns(member):
    with pytest.raises(CampaignError) as raised:
        campaigns.create(member, "event", title_en="Mine")
    assert raised.value.status == 403
