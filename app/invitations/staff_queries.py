"""What the staff console reads: the campaign list, the send preview's figures, questions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.invitations.audience import Criteria, audience_query
from app.invitations.models import (
    SEATED,
    Campaign,
    CampaignEmailOptOut,
    Invitation,
    SurveyQuestion,
)

PER_PAGE = 50


@dataclass(frozen=True)
class CampaignPage:
    """One page of the list: (campaign, accepted) rows, and whether more follow."""

    rows: list[tuple[Campaign, int]]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def campaign_page(state: str | None, page: int = 1, per_page: int = PER_PAGE) -> CampaignPage:
    """Newest first, each with its seats taken, in one query whatever the page holds."""
    accepted = (
        select(Invitation.campaign_id, func.count().label("accepted"))
        .where(Invitation.state.in_(SEATED))
        .group_by(Invitation.campaign_id)
        .subquery()
    )
    query = (
        select(Campaign, func.coalesce(accepted.c.accepted, 0))
        .outerjoin(accepted, accepted.c.campaign_id == Campaign.id)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    if state is not None:
        query = query.where(Campaign.state == state)
    rows = [(campaign, int(n)) for campaign, n in db.session.execute(query).all()]
    return CampaignPage(rows[:per_page], page, len(rows) > per_page)


def email_count(criteria: Criteria, campaign_id: int) -> int:
    """How many of the audience would get the email (the others opted out of it)."""
    members = audience_query(criteria, campaign_id).subquery()
    quiet = select(CampaignEmailOptOut.user_id)
    return (
        db.session.scalar(
            select(func.count()).select_from(members).where(members.c.user_id.not_in(quiet))
        )
        or 0
    )


def questions(campaign_id: int) -> list[SurveyQuestion]:
    return list(
        db.session.scalars(
            select(SurveyQuestion)
            .where(SurveyQuestion.campaign_id == campaign_id)
            .order_by(SurveyQuestion.position)
        )
    )


def past_campaigns(exclude: int) -> list[tuple[int, str, str]]:
    """(id, English title, French title) of campaigns that were sent, for "attended"."""
    rows = db.session.execute(
        select(Campaign.id, Campaign.title_en, Campaign.title_fr)
        .where(Campaign.sent_at.is_not(None), Campaign.id != exclude)
        .order_by(Campaign.sent_at.desc())
        .limit(200)
    ).all()
    return [(row.id, row.title_en, row.title_fr) for row in rows]
