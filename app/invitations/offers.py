"""Offer codes: the list staff upload, one code per member who gets a seat, never twice."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.sql import insert_for, savepoint
from app.extensions import db
from app.invitations.errors import CampaignError
from app.invitations.models import CANCELLED, CLOSED, OPEN, OfferCode
from app.invitations.replies import promote
from app.invitations.sending import lock

MAX_CODE = 64


@dataclass(frozen=True)
class CodesReport:
    added: int
    already_there: int
    too_long_lines: tuple[int, ...]


def upload_codes(actor: User, campaign_id: int, text: str) -> CodesReport:
    """Add codes, one a line (blank lines skipped, repeats kept once); the caller commits.

    On an open offer the new codes go to the waitlist first, in its order."""
    if not actor.can("campaign.send"):
        raise CampaignError(_l("You are not allowed to manage campaigns."), 403)
    codes: dict[str, None] = {}
    too_long: list[int] = []
    for line, raw in enumerate(text.splitlines(), start=1):
        code = raw.strip()
        if not code:
            continue
        if len(code) > MAX_CODE:
            too_long.append(line)
        else:
            codes[code] = None
    with savepoint():
        campaign = lock(campaign_id)
        if campaign.kind != "offer":
            raise CampaignError(_l("Only an offer has codes."), 409)
        if campaign.state in (CLOSED, CANCELLED):
            raise CampaignError(_l("This campaign is already over."), 409)
        added = 0
        if codes:
            at = now_utc()
            rows = [{"campaign_id": campaign.id, "code": c, "uploaded_at": at} for c in codes]
            statement = insert_for(OfferCode).on_conflict_do_nothing()
            for start in range(0, len(rows), 1000):
                added += db.session.execute(statement, rows[start : start + 1000]).rowcount or 0
        db.session.flush()
        if campaign.state == OPEN:
            promote(campaign)
    queue_audit(actor.id, "campaign.codes", "campaign", campaign_id, after={"added": added})
    return CodesReport(added, len(codes) - added, tuple(too_long))


def code_for(invitation_id: int) -> str | None:
    """The code given to this invitation, if any."""
    return db.session.scalar(select(OfferCode.code).where(OfferCode.invitation_id == invitation_id))


def codes_left(campaign_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                OfferCode.campaign_id == campaign_id, OfferCode.invitation_id.is_(None)
            )
        )
        or 0
    )
