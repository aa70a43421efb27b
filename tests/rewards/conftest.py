"""Rewards' fixtures: a member's lifetime points and a reward in the catalogue."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from app.badges.points import Award, record
from app.core.clock import now_utc
from app.core.events import commit
from app.rewards import catalog

_keys = itertools.count()


def give_points(user: Any, points: int) -> None:
    """Lifetime points, recorded in the ledger as the forum's events are."""
    record(Award(user.id, "reply_posted", f"test-points:{next(_keys)}:{user.id}", now_utc()),
           points=points)  # fmt: skip
    commit()


@pytest.fixture
def points() -> Any:
    return give_points


@pytest.fixture
def make_reward(make_user: Any) -> Any:
    made: dict[str, Any] = {}

    def make(**values: Any) -> Any:
        if "staff" not in made:
            made["staff"] = make_user("staff_rewards", role="staff")
        fields = {"title_en": "Coffee mug", "title_fr": "Tasse à café", "cost": 100,
                  "stock": None, "per_member_limit": None, "eligibility": "everyone",
                  "eligibility_value": "", "delivery": "shipped", **values}  # fmt: skip
        reward = catalog.create(made["staff"], fields, levels=5)
        commit()
        return reward

    return make
