"""Campaigns, their invitations, offer codes, surveys, and opt-outs of campaign email."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now_utc
from app.core.types import UTCDateTime
from app.extensions import db

KINDS = ("event", "preview", "survey", "workshop", "offer")
# Kinds with a place, a time and perhaps a capacity (a workshop is an event with a space).
EVENT_KINDS = ("event", "workshop")
# Kinds that may have a private space for the members who accepted.
SPACE_KINDS = ("preview", "workshop")

DRAFT, SCHEDULED, SENDING, OPEN, CLOSED, CANCELLED = (
    "draft",
    "scheduled",
    "sending",
    "open",
    "closed",
    "cancelled",
)
CAMPAIGN_STATES = (DRAFT, SCHEDULED, SENDING, OPEN, CLOSED, CANCELLED)

INVITED, ACCEPTED, DECLINED, WAITLISTED, ATTENDED, REMOVED = (
    "invited",
    "accepted",
    "declined",
    "waitlisted",
    "attended",
    "removed",
)
INVITATION_STATES = (INVITED, ACCEPTED, DECLINED, WAITLISTED, ATTENDED, REMOVED)
# The states that hold a seat.
SEATED = (ACCEPTED, ATTENDED)

QUESTION_KINDS = ("single", "multiple", "scale", "nps", "text")


class Campaign(db.Model):
    """Something brand staff invite members to, with its audience and its life cycle."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_state_scheduled_at", "state", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
    title_en: Mapped[str] = mapped_column(String(200), default="")
    title_fr: Mapped[str] = mapped_column(String(200), default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    # A word from the brand to each member; "{name}" becomes the member's name.
    message_en: Mapped[str] = mapped_column(Text, default="")
    message_fr: Mapped[str] = mapped_column(Text, default="")
    # Replies (and the links that carry them) are accepted until then.
    reply_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Events and workshops.
    place: Mapped[str | None] = mapped_column(String(300))
    online_link: Mapped[str | None] = mapped_column(String(500))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Seats; None: as many as accept.
    capacity: Mapped[int | None] = mapped_column()
    # The audience's criteria (app/invitations/audience.py: Criteria.from_json).
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Random, drawn at creation: with SECRET_KEY it derives this campaign's token key
    # (app/invitations/tokens.py). The key itself is never stored.
    token_salt: Mapped[str] = mapped_column(String(64))
    # Indexed like every foreign key: removing a member must not scan every campaign.
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last reminder to those who have not answered (at most one a day).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Previews and workshops: the private category accepted members read (spaces.py),
    # restricted to space.campaign.<id>; made when staff open it.
    space_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    invited_count: Mapped[int] = mapped_column(default=0)
    emailed_count: Mapped[int] = mapped_column(default=0)

    def title(self, language: str | None) -> str:
        """The title in the member's language, or the other one when that one is empty."""
        return _pick(self.title_fr, self.title_en, language)


def _pick(french: str, english: str, language: str | None) -> str:
    if language == "fr":
        return french or english
    return english or french


class Invitation(db.Model):
    """One member invited to one campaign, and where their answer stands."""

    __tablename__ = "invitations"
    __table_args__ = (
        # A double click, two staff at once or a retry: one invitation per campaign and
        # member. Member first, so the key also serves a member's list of invitations
        # (one index less for each of a send's rows to update).
        UniqueConstraint("user_id", "campaign_id"),
        # Seats taken, the waitlist's order, a campaign's invitations by state.
        Index("ix_invitations_campaign_state", "campaign_id", "state", "waitlist_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=INVITED)
    # 1, 2, 3... in the order members joined the waitlist; None off the waitlist.
    waitlist_position: Mapped[int | None] = mapped_column()
    # SHA-256 (hex) of the reply token; the token itself is never stored here.
    reply_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set by the first reply through the emailed link: the link works once.
    token_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Shown to the member (as a QR code) and scanned by staff at the door: the member's
    # id, a dash and an HMAC (tokens.py), unique because the member is.
    checkin_code: Mapped[str] = mapped_column(String(24))
    # Whether an email was queued (members who opted out get the in-app invitation only).
    emailed: Mapped[bool] = mapped_column(default=False)
    # The outbox message's Message-ID, to follow its delivery.
    email_message_id: Mapped[str | None] = mapped_column(String(255))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OfferCode(db.Model):
    """One code from the list staff uploaded for an offer; given to one member, once."""

    __tablename__ = "campaign_offer_codes"
    __table_args__ = (
        UniqueConstraint("campaign_id", "code"),
        Index("ix_campaign_offer_codes_free", "campaign_id", "invitation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    # Once set, never cleared nor changed: a code goes to one member only.
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), unique=True
    )
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class SurveyQuestion(db.Model):
    """A survey's question: single or multiple choice, 1-5 scale, 0-10 score, free text."""

    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("campaign_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    prompt_en: Mapped[str] = mapped_column(String(500), default="")
    prompt_fr: Mapped[str] = mapped_column(String(500), default="")
    # For choice questions: [{"en": "...", "fr": "..."}, ...]; answers name the index.
    choices: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(default=True)

    def prompt(self, language: str | None) -> str:
        return _pick(self.prompt_fr, self.prompt_en, language)


class SurveyResponse(db.Model):
    """A member's answers to a survey: one per invitation."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), unique=True
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class SurveyAnswer(db.Model):
    """One answer: a choice (one row per choice ticked), a number, or a text."""

    __tablename__ = "survey_answers"
    __table_args__ = (Index("ix_survey_answers_question", "question_id", "choice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"))
    choice: Mapped[int | None] = mapped_column()
    number: Mapped[int | None] = mapped_column()
    text: Mapped[str | None] = mapped_column(Text)


class ListedMember(db.Model):
    """A member named by the CSV staff uploaded for a campaign's audience."""

    __tablename__ = "campaign_listed_members"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CampaignEmailOptOut(db.Model):
    """A member who wants no campaign email (they still see invitations in Tribune)."""

    __tablename__ = "campaign_email_opt_outs"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # "account" (the account page) or "link" (an email's one-click unsubscribe).
    source: Mapped[str] = mapped_column(String(16), default="account")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class AttendanceOnProfile(db.Model):
    """A member who shows the events they attended on their public profile (off until
    they tick it on their account page: a row is a yes)."""

    __tablename__ = "campaign_attendance_on_profile"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
