"""Attendance: staff mark a member present by their check-in code (scanned or typed).

Attending an event or a workshop is what the ambassador score counts from outside the
forum (an external signal of kind "event", or "co_creation" for a workshop, deduplicated
like an imported one: the same attendance marked twice is one signal; score.py) and
earns the Event guest badge, once per campaign. Services never commit.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.badges import awards
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.sql import savepoint
from app.extensions import db
from app.invitations import score, spaces
from app.invitations.campaigns import get
from app.invitations.errors import CampaignError
from app.invitations.models import (
    ACCEPTED,
    ATTENDED,
    EVENT_KINDS,
    INVITED,
    WAITLISTED,
    Campaign,
    Invitation,
)
from app.invitations.sending import lock
from app.invitations.tokens import checkin_member

BADGE = "event-guest"


def mark_attended(
    actor: User, campaign_id: int, checkin_code: str, at: datetime | None = None
) -> Invitation:
    """The invitation whose code this is, marked attended (a second scan changes nothing)."""
    if not actor.can("campaign.send"):
        raise CampaignError(_l("You are not allowed to manage campaigns."), 403)
    campaign = get(campaign_id)
    code = (checkin_code or "").strip().lower()
    user_id = checkin_member(code)
    with savepoint():
        # Locked and read again: two staff scanning the same code at once are served one
        # after the other, and the second finds the member already marked.
        invitation = None
        if user_id is not None:
            invitation = db.session.scalar(
                select(Invitation)
                .where(Invitation.user_id == user_id, Invitation.campaign_id == campaign_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        if invitation is None or not hmac.compare_digest(invitation.checkin_code, code):
            raise CampaignError(_l("No invitation of this campaign has this check-in code."), 404)
        if invitation.state == ATTENDED:
            return invitation
        if invitation.state not in (ACCEPTED, INVITED, WAITLISTED):
            raise CampaignError(_l("This member declined or was removed."), 409)
        at = at or now_utc()
        before, invitation.state = invitation.state, ATTENDED
        invitation.attended_at, invitation.waitlist_position = at, None
        if campaign.kind in EVENT_KINDS:
            _count_for_the_score(campaign, invitation.user_id, at)
    queue_audit(actor.id, "invitation.attended", "invitation", invitation.id,
                before={"state": before}, after={"state": ATTENDED})  # fmt: skip
    return invitation


def _count_for_the_score(campaign: Campaign, user_id: int, at: datetime) -> None:
    """The external signal the ambassador score counts, the Event guest badge, and for a
    workshop its private space (a participant who had not accepted gets in too)."""
    score.record(score.attendance_kind(campaign), campaign, user_id, at)
    awards.grant(user_id, BADGE, ref_id=campaign.id, reason={"campaign_id": campaign.id}, at=at)
    if campaign.space_category_id is not None:
        with savepoint():
            spaces.let_in(lock(campaign.id), [user_id])
