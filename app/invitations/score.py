"""What campaigns bring to the ambassador score: external signals of the brand's own.

Attending an event is a signal of kind "event"; taking part in a co-creation workshop
(attending it) one of kind "co_creation"; a completed survey one of kind "survey". Each
weighs what AMBASSADOR_WEIGHTS says ("events", "co_creation", "surveys"), under the
same cap as every signal from outside the forum (AMBASSADOR_EXTERNAL_MAX_RATIO). Each is
deduplicated like an imported one: the same attendance or response recorded twice is
one signal. Services never commit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import literal

from app.ambassadors.models import ExternalSignal
from app.core.sql import insert_for
from app.extensions import db
from app.invitations.models import Campaign

SIGNAL_SOURCE = "campaign"
EVENT, CO_CREATION, SURVEY = "event", "co_creation", "survey"


def dedupe_key(campaign: Campaign, user_id: int) -> str:
    """The key an import of the same signal would have (ambassadors/signals.py: "id",
    source, the source's own id), so it is one signal whichever way it arrives."""
    source_id = f"{campaign.id}:{user_id}"
    return hashlib.sha256("\x1f".join(["id", SIGNAL_SOURCE, source_id]).encode()).hexdigest()


def attendance_kind(campaign: Campaign) -> str:
    """A workshop's participants co-create; any other event is attended."""
    return CO_CREATION if campaign.kind == "workshop" else EVENT


def record(kind: str, campaign: Campaign, user_id: int, at: datetime) -> None:
    """One signal of ``kind`` for this member and campaign (a second one changes nothing)."""
    db.session.execute(
        insert_for(ExternalSignal)
        .values(
            user_id=user_id,
            kind=literal(kind),
            value=1.0,
            occurred_at=at,
            source=SIGNAL_SOURCE,
            dedupe_key=dedupe_key(campaign, user_id),
            imported_at=at,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
