"""Read models of a campaign's people and results pages: who was invited, and the funnel.

Every figure is counted in SQL over the campaign's invitations (one aggregate
statement for the funnel, one for the delivery of its outgoing mail); the people
list is one statement per page, joined to the outbox row of each invitation's email
(``Invitation.email_message_id`` is the outbox's unique ``message_id``) and to the
offer code it was given. Nothing here loads a campaign's members into Python, except
the one page shown, or the rows the CSV export streams.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.core.mail import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from app.core.paging import Page, make_page
from app.extensions import db
from app.invitations.models import (
    ACCEPTED,
    ATTENDED,
    DECLINED,
    INVITED,
    REMOVED,
    SEATED,
    WAITLISTED,
    Invitation,
    OfferCode,
)

PER_PAGE = 50
FAILED_SHOWN = 50
STREAM_BATCH = 2000
DELIVERY_STATUSES = (QUEUED, SENDING, SENT, FAILED)


@dataclass(frozen=True)
class Person:
    """One row of the people list (and of its CSV)."""

    invitation_id: int
    username: str
    email: str
    language: str | None
    state: str
    waitlist_position: int | None  # the place in line (1: the next seat), not the stored number
    replied_at: datetime | None
    attended_at: datetime | None
    emailed: bool
    email_status: str | None
    email_error: str | None
    offer_code: str | None


def _place_in_line() -> Any:
    """A waitlisted member's place: 1 for the next to get a seat. Positions keep their
    numbers when those ahead leave the waitlist, so the place is counted (over the
    campaign-state index, in the page's one statement)."""
    ahead = aliased(Invitation)
    counted = (
        select(func.count(ahead.id))
        .where(
            ahead.campaign_id == Invitation.campaign_id,
            ahead.state == WAITLISTED,
            ahead.waitlist_position <= Invitation.waitlist_position,
        )
        .correlate(Invitation)
        .scalar_subquery()
    )
    return case((Invitation.state == WAITLISTED, counted), else_=None)


def _people_query(campaign_id: int, state: str | None, name: str | None) -> Select[Any]:
    query = (
        select(
            Invitation.id,
            User.username,
            User.email,
            User.locale,
            Invitation.state,
            _place_in_line(),
            Invitation.replied_at,
            Invitation.attended_at,
            Invitation.emailed,
            OutboxMessage.status,
            OutboxMessage.last_error,
            OfferCode.code,
        )
        .select_from(Invitation)
        .join(User, User.id == Invitation.user_id)
        .outerjoin(OutboxMessage, OutboxMessage.message_id == Invitation.email_message_id)
        .outerjoin(OfferCode, OfferCode.invitation_id == Invitation.id)
        .where(Invitation.campaign_id == campaign_id)
    )
    if state:
        query = query.where(Invitation.state == state)
    if name:
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(User.username.ilike(f"%{escaped}%", escape="\\"))
    if state == WAITLISTED:
        # The waitlist in its order: the first here gets the next free seat.
        return query.order_by(Invitation.waitlist_position, Invitation.id)
    return query.order_by(User.username, Invitation.id)


def people(
    campaign_id: int, state: str | None, name: str | None, page: int, per_page: int = PER_PAGE
) -> Page:
    """One page of the invited members, filtered by state and by a part of the name."""
    rows = db.session.execute(
        _people_query(campaign_id, state, name).limit(per_page + 1).offset((page - 1) * per_page)
    ).all()
    return make_page([Person(*row) for row in rows], page, per_page)


def every_person(campaign_id: int, state: str | None = None) -> Iterator[Person]:
    """Every invited member, streamed from the database (for the CSV export)."""
    query = _people_query(campaign_id, state, None).execution_options(yield_per=STREAM_BATCH)
    for row in db.session.execute(query):
        yield Person(*row)


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True)
class Funnel:
    """How far a campaign's invitations went, from invited to attended."""

    invited: int
    emailed: int
    delivered: int
    failed: int
    accepted: int
    declined: int
    waitlisted: int
    attended: int
    removed: int
    unanswered: int

    def share(self, value: int) -> float:
        """``value`` as a percentage of the invited (0 when nobody was)."""
        return round(100 * value / self.invited, 1) if self.invited else 0.0


def funnel(campaign_id: int) -> Funnel:
    """The funnel in one aggregate statement. Accepted counts every seat held (those
    who attended accepted first, or were let in at the door)."""
    row = db.session.execute(
        select(
            func.count(Invitation.id),
            _count_if(Invitation.emailed.is_(True)),
            _count_if(OutboxMessage.status == SENT),
            _count_if(OutboxMessage.status == FAILED),
            _count_if(Invitation.state.in_(SEATED)),
            _count_if(Invitation.state == DECLINED),
            _count_if(Invitation.state == WAITLISTED),
            _count_if(Invitation.state == ATTENDED),
            _count_if(Invitation.state == REMOVED),
            _count_if(Invitation.state == INVITED),
        )
        .select_from(Invitation)
        .outerjoin(OutboxMessage, OutboxMessage.message_id == Invitation.email_message_id)
        .where(Invitation.campaign_id == campaign_id)
    ).one()
    return Funnel(*(int(value or 0) for value in row))


@dataclass(frozen=True)
class Delivery:
    """Where the campaign's outgoing mail stands (invitations and reminders alike)."""

    counts: dict[str, int]
    failures: list[Any]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts[SENT] + self.counts[FAILED]

    @property
    def percent(self) -> float:
        """How much of the delivery is over (sent or failed for good)."""
        return round(100 * self.done / self.total, 1) if self.total else 100.0


def _campaign_messages(campaign_id: int) -> Any:
    # sending.py (and reminders.py) name every message of a campaign "<campaign.ID.…";
    # the dot after the id keeps campaign 1 from matching campaign 12's messages.
    return OutboxMessage.message_id.like(f"<campaign.{int(campaign_id)}.%")


def delivery(campaign_id: int) -> Delivery:
    """The campaign's outbox messages by status, and the failed ones with their error."""
    found = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(_campaign_messages(campaign_id))
            .group_by(OutboxMessage.status)
        ).all()
    )
    failures = db.session.execute(
        select(
            OutboxMessage.recipient,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
            OutboxMessage.created_at,
            User.username,
        )
        .outerjoin(
            Invitation,
            and_(
                Invitation.email_message_id == OutboxMessage.message_id,
                Invitation.campaign_id == campaign_id,
            ),
        )
        .outerjoin(User, User.id == Invitation.user_id)
        .where(_campaign_messages(campaign_id), OutboxMessage.status == FAILED)
        .order_by(OutboxMessage.id)
        .limit(FAILED_SHOWN)
    ).all()
    counts = {status: int(found.get(status, 0)) for status in DELIVERY_STATUSES}
    return Delivery(counts=counts, failures=list(failures))


def state_counts(campaign_id: int) -> dict[str, int]:
    """How many invitations are in each state (the people page's filters)."""
    return dict(
        db.session.execute(
            select(Invitation.state, func.count())
            .where(Invitation.campaign_id == campaign_id)
            .group_by(Invitation.state)
        ).all()
    )


PEOPLE_STATES = (INVITED, ACCEPTED, WAITLISTED, DECLINED, ATTENDED, REMOVED)
