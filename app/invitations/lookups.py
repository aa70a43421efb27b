"""The invitations pages' lookups by id, code or token (views run no SQL of their own)."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.invitations.models import Campaign, Invitation, SurveyQuestion
from app.invitations.tokens import digest


def campaign_by_id(campaign_id: int) -> Campaign | None:
    return db.session.get(Campaign, campaign_id)


def invitation_by_id(invitation_id: int) -> Invitation | None:
    return db.session.get(Invitation, invitation_id)


def member_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def invitation_of(campaign_id: int, user_id: int | None) -> Invitation | None:
    """A member's invitation to a campaign (None for no member)."""
    if user_id is None:
        return None
    return db.session.scalar(
        select(Invitation).where(
            Invitation.user_id == user_id, Invitation.campaign_id == campaign_id
        )
    )


def invitation_id_by_token(token: str) -> int | None:
    """The invitation a reply token belongs to, found by its stored digest."""
    return db.session.scalar(
        select(Invitation.id).where(Invitation.reply_token_hash == digest(token))
    )


def survey_questions(campaign_id: int) -> list[SurveyQuestion]:
    """A survey's questions in their order."""
    return list(
        db.session.scalars(
            select(SurveyQuestion)
            .where(SurveyQuestion.campaign_id == campaign_id)
            .order_by(SurveyQuestion.position)
        )
    )
