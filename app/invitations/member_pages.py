"""What the members' pages read: a member's invitations, one invitation, its texts, the
events a member attended, and the profile setting that shows them.

Reads only, and the setting's two writes (the caller commits). No page here names a
status: with AMBASSADOR_STATUS_PUBLIC off, nothing tells a member why they were invited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import delete, select

from app.core.clock import now_utc
from app.core.sql import insert_for
from app.core.text import cook
from app.extensions import db
from app.invitations.emails import NAME
from app.invitations.models import (
    ACCEPTED,
    ATTENDED,
    CANCELLED,
    CLOSED,
    DECLINED,
    EVENT_KINDS,
    INVITED,
    OPEN,
    REMOVED,
    WAITLISTED,
    AttendanceOnProfile,
    Campaign,
    Invitation,
    SurveyResponse,
)


@dataclass
class Groups:
    """A member's invitations as the list shows them: (invitation, campaign) pairs."""

    waiting: list[tuple[Invitation, Campaign]] = field(default_factory=list)
    accepted: list[tuple[Invitation, Campaign]] = field(default_factory=list)
    past: list[tuple[Invitation, Campaign]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.waiting or self.accepted or self.past)


def deadline_passed(campaign: Campaign, at: datetime | None = None) -> bool:
    at = at or now_utc()
    return campaign.reply_deadline is not None and at >= campaign.reply_deadline


def is_past(invitation: Invitation, campaign: Campaign, at: datetime | None = None) -> bool:
    """Over for the member: declined, attended, removed, or the campaign no longer open."""
    if campaign.state in (CLOSED, CANCELLED) or invitation.state in (DECLINED, ATTENDED, REMOVED):
        return True
    return invitation.state == INVITED and deadline_passed(campaign, at)


def groups_for(user_id: int) -> Groups:
    """The member's invitations, newest first, in one query."""
    rows = db.session.execute(
        select(Invitation, Campaign)
        .join(Campaign, Campaign.id == Invitation.campaign_id)
        .where(Invitation.user_id == user_id)
        .order_by(Invitation.invited_at.desc(), Invitation.id.desc())
    ).all()
    groups, at = Groups(), now_utc()
    for invitation, campaign in rows:
        pair = (invitation, campaign)
        if is_past(invitation, campaign, at):
            groups.past.append(pair)
        elif invitation.state in (ACCEPTED, WAITLISTED):
            groups.accepted.append(pair)
        else:
            groups.waiting.append(pair)
    return groups


def find(user_id: int, invitation_id: int) -> tuple[Invitation, Campaign] | None:
    """The member's own invitation and its campaign; None for anyone else's."""
    row = db.session.execute(
        select(Invitation, Campaign)
        .join(Campaign, Campaign.id == Invitation.campaign_id)
        .where(Invitation.id == invitation_id, Invitation.user_id == user_id)
    ).first()
    return (row[0], row[1]) if row else None


def for_campaign(user_id: int, campaign_id: int) -> int | None:
    """The id of the member's invitation to this campaign (notifications that name it)."""
    return db.session.scalar(
        select(Invitation.id).where(
            Invitation.user_id == user_id, Invitation.campaign_id == campaign_id
        )
    )


def text(campaign: Campaign, name: str, language: str | None) -> str:
    """One of the campaign's texts in the member's language, or the other language's."""
    french, english = getattr(campaign, f"{name}_fr"), getattr(campaign, f"{name}_en")
    if language == "fr":
        return french or english or ""
    return english or french or ""


def cooked(campaign: Campaign, name: str, language: str | None, member_name: str) -> Markup:
    """A text cooked like a post, "{name}" then replaced by the member's name (escaped:
    the marker is replaced in the sanitized HTML, so a name is never read as Markdown)."""
    source = text(campaign, name, language)
    if not source:
        return Markup("")
    return Markup(cook(source).replace(NAME, str(escape(member_name))))


def has_answered_survey(invitation_id: int) -> bool:
    return (
        db.session.scalar(
            select(SurveyResponse.id).where(SurveyResponse.invitation_id == invitation_id)
        )
        is not None
    )


def can_answer(invitation: Invitation, campaign: Campaign, at: datetime | None = None) -> bool:
    return (
        campaign.state == OPEN
        and not deadline_passed(campaign, at)
        and invitation.state not in (ATTENDED, REMOVED)
    )


# -- events attended, on the profile ----------------------------------------------------


def shows_attendance(user_id: int) -> bool:
    return db.session.get(AttendanceOnProfile, user_id) is not None


def set_shows_attendance(user_id: int, shown: bool) -> None:
    """Show or hide the events attended on the profile; the caller commits."""
    if shown:
        statement = insert_for(AttendanceOnProfile).values(user_id=user_id, created_at=now_utc())
        db.session.execute(statement.on_conflict_do_nothing())
    else:
        db.session.execute(
            delete(AttendanceOnProfile).where(AttendanceOnProfile.user_id == user_id)
        )


def attended(user_id: int, limit: int = 50) -> list[Campaign]:
    """The events and workshops the member attended, most recent first."""
    return list(
        db.session.scalars(
            select(Campaign)
            .join(Invitation, Invitation.campaign_id == Campaign.id)
            .where(
                Invitation.user_id == user_id,
                Invitation.state == ATTENDED,
                Campaign.kind.in_(EVENT_KINDS),
            )
            .order_by(Invitation.attended_at.desc(), Campaign.id.desc())
            .limit(limit)
        )
    )
