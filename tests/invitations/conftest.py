"""Campaign fixtures: a staff member's draft, and an audience of members made in bulk."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from app.core.clock import now_utc
from app.core.events import commit
from app.invitations import campaigns
from app.invitations.models import Campaign


@pytest.fixture
def make_campaign(staff: Any) -> Any:
    def make(kind: str = "event", audience: dict[str, Any] | None = None, **fields: Any):
        fields.setdefault("title_en", "Coffee tasting at the roastery")
        fields.setdefault("title_fr", "Dégustation à la brûlerie")
        fields.setdefault("description_en", "Taste the **new** blends before anyone else.")
        fields.setdefault("description_fr", "Goûtez les **nouveaux** mélanges en avant-première.")
        fields.setdefault("message_en", "Dear {name}, we would love to see you.")
        fields.setdefault("message_fr", "Cher {name}, nous serions ravis de vous voir.")
        fields.setdefault("reply_deadline", now_utc() + timedelta(days=7))
        if kind in ("event", "workshop"):
            fields.setdefault("place", "12 rue des Cafés, Lyon")
            fields.setdefault("starts_at", now_utc() + timedelta(days=10))
            fields.setdefault("ends_at", now_utc() + timedelta(days=10, hours=2))
        campaign: Campaign = campaigns.create(staff, kind, **fields)
        if audience is not None:
            campaigns.set_audience(staff, campaign, audience)
        commit()
        return campaign

    return make
