"""A campaign's life before and after sending: drafts, audience, schedule, cancel, close.

Only drafts are edited; a scheduled campaign goes back to draft to be changed.
Duplicating any campaign makes a new draft. Every staff action is written to the audit
log (through core's ``queue_audit``, which moderation records). Services never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, literal, select, update

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.notifications import notify_selected
from app.extensions import db
from app.invitations import csv_list, spaces
from app.invitations.audience import AudienceError, Criteria
from app.invitations.errors import CampaignError
from app.invitations.models import (
    CANCELLED,
    CLOSED,
    DRAFT,
    KINDS,
    OPEN,
    SCHEDULED,
    SEATED,
    Campaign,
    Invitation,
    ListedMember,
)
from app.invitations.sending import check_ready
from app.invitations.tokens import new_salt

EDITABLE = (
    "title_en", "title_fr", "description_en", "description_fr", "message_en", "message_fr",
    "reply_deadline", "place", "online_link", "starts_at", "ends_at", "capacity",
)  # fmt: skip
LIMITS = {"title_en": 200, "title_fr": 200, "place": 300, "online_link": 500}


def _require_staff(actor: User) -> None:
    if not actor.can("campaign.send"):
        raise CampaignError(_l("You are not allowed to manage campaigns."), 403)


def get(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignError(_l("This campaign does not exist."), 404)
    return campaign


def create(actor: User, kind: str, **fields: Any) -> Campaign:
    """A new draft; the caller commits."""
    _require_staff(actor)
    if kind not in KINDS:
        raise CampaignError(_l("Unknown kind of campaign."), field="kind")
    now = now_utc()
    campaign = Campaign(kind=kind, state=DRAFT, token_salt=new_salt(), created_by_id=actor.id,
                        created_at=now, updated_at=now, audience={})  # fmt: skip
    _apply(campaign, fields)
    db.session.add(campaign)
    db.session.flush()
    queue_audit(actor.id, "campaign.create", "campaign", campaign.id, after={"kind": kind})
    return campaign


def _apply(campaign: Campaign, fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise CampaignError(_l("Unknown campaign field: %(name)s.", name=unknown[0]))
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
            if name in LIMITS and len(value) > LIMITS[name]:
                raise CampaignError(_l("This text is too long."), field=name)
        setattr(campaign, name, value)
    if campaign.capacity is not None and not 1 <= campaign.capacity <= 1_000_000:
        raise CampaignError(_l("The capacity is a number of seats, 1 or more."), field="capacity")
    if campaign.starts_at and campaign.ends_at and campaign.ends_at < campaign.starts_at:
        raise CampaignError(_l("The end comes before the start."), field="ends_at")


def update_draft(actor: User, campaign: Campaign, **fields: Any) -> Campaign:
    """Change a draft's texts, dates and seats; the caller commits."""
    _require_staff(actor)
    _require_draft(campaign)
    before = {name: _plain(getattr(campaign, name)) for name in fields if name in EDITABLE}
    _apply(campaign, fields)
    campaign.updated_at = now_utc()
    after = {name: _plain(getattr(campaign, name)) for name in before}
    queue_audit(actor.id, "campaign.edit", "campaign", campaign.id, before=before, after=after)
    return campaign


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _require_draft(campaign: Campaign) -> None:
    if campaign.state != DRAFT:
        raise CampaignError(_l("Only drafts can be changed."), 409)


def set_audience(actor: User, campaign: Campaign, criteria: dict[str, Any] | Criteria) -> Criteria:
    """Store a draft's audience criteria, checked; the caller commits."""
    _require_staff(actor)
    _require_draft(campaign)
    try:
        checked = criteria if isinstance(criteria, Criteria) else Criteria.from_json(criteria)
        checked.check()
    except AudienceError as error:
        raise CampaignError(error.message, field=error.field) from error
    before, campaign.audience = campaign.audience, checked.to_json()
    campaign.updated_at = now_utc()
    queue_audit(actor.id, "campaign.audience", "campaign", campaign.id, before=before,
                after=campaign.audience)  # fmt: skip
    return checked


def upload_list(actor: User, campaign: Campaign, text: str) -> csv_list.ListReport:
    """Replace a draft's uploaded member list and use it in its audience."""
    _require_staff(actor)
    _require_draft(campaign)
    report = csv_list.replace_list(campaign.id, text)
    campaign.audience = {**(campaign.audience or {}), "listed": True}
    campaign.updated_at = now_utc()
    queue_audit(actor.id, "campaign.list", "campaign", campaign.id,
                after={"kept": report.kept, "errors": len(report.errors)})  # fmt: skip
    return report


def schedule(actor: User, campaign: Campaign, at: datetime) -> None:
    """Have the scheduler send a draft at ``at``; the caller commits."""
    _require_staff(actor)
    _require_draft(campaign)
    if at <= now_utc():
        raise CampaignError(_l("Choose a time in the future."), field="scheduled_at")
    # Refused now rather than by the scheduler at the chosen time, with nobody to read it.
    check_ready(campaign, at)
    campaign.state, campaign.scheduled_at = SCHEDULED, at
    queue_audit(actor.id, "campaign.schedule", "campaign", campaign.id,
                after={"scheduled_at": at.isoformat()})  # fmt: skip


def unschedule(actor: User, campaign: Campaign) -> None:
    """Back to draft, unless the scheduler already took it (then it is no longer scheduled)."""
    _require_staff(actor)
    done = db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.state == SCHEDULED)
        .values(state=DRAFT, scheduled_at=None)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not done:
        raise CampaignError(_l("This campaign is not scheduled any more."), 409)
    queue_audit(actor.id, "campaign.unschedule", "campaign", campaign.id)


def cancel(actor: User, campaign: Campaign, reason: str = "") -> int:
    """Cancel a campaign; members holding a seat are told. Returns how many were told."""
    _require_staff(actor)
    if campaign.state in (CANCELLED, CLOSED):
        raise CampaignError(_l("This campaign is already over."), 409)
    was, campaign.state, campaign.closed_at = campaign.state, CANCELLED, now_utc()
    spaces.shut(campaign)  # its private space closes with it, for every member at once
    told = 0
    if was == OPEN:
        seated = select(Invitation.user_id).where(
            Invitation.campaign_id == campaign.id, Invitation.state.in_(SEATED)
        )
        told = notify_selected(seated, "invitations.cancelled",
                      f"/invitations/campaign/{campaign.id}", campaign_id=campaign.id,
                      title_en=campaign.title_en, title_fr=campaign.title_fr)  # fmt: skip
    queue_audit(actor.id, "campaign.cancel", "campaign", campaign.id, before={"state": was},
                after={"state": CANCELLED}, reason=reason)  # fmt: skip
    return told


def close(actor: User | None, campaign: Campaign) -> None:
    """Stop taking replies (staff, or the deadline job with ``actor`` None)."""
    if actor is not None:
        _require_staff(actor)
    if campaign.state != OPEN:
        raise CampaignError(_l("Only an open campaign can be closed."), 409)
    campaign.state, campaign.closed_at = CLOSED, now_utc()
    queue_audit(actor.id if actor else None, "campaign.close", "campaign", campaign.id)


def duplicate(actor: User, campaign: Campaign) -> Campaign:
    """A new draft with the same texts, event fields, audience and uploaded list."""
    _require_staff(actor)
    copy = create(actor, campaign.kind, **{name: getattr(campaign, name) for name in EDITABLE})
    copy.audience = dict(campaign.audience or {})
    listed = select(literal(copy.id), ListedMember.user_id).where(
        ListedMember.campaign_id == campaign.id
    )
    db.session.execute(insert(ListedMember).from_select(["campaign_id", "user_id"], listed))
    queue_audit(actor.id, "campaign.duplicate", "campaign", copy.id, after={"from": campaign.id})
    return copy
