"""What the roles page reads: each role's capabilities and how many members hold it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.permissions import (
    CAPABILITIES,
    FAMILIES,
    HELPER_CAPABILITIES,
    ROLE_CAPABILITIES,
    ROLE_LABELS,
    ROLES,
)
from app.extensions import db


@dataclass(frozen=True)
class RoleSummary:
    role: str
    label: Any
    members: int
    # (capability, its label), in the order of CAPABILITIES, then the families' labels.
    capabilities: list[tuple[str, Any]]


def role_counts() -> dict[str, int]:
    """How many members hold each role: one GROUP BY."""
    rows = db.session.execute(select(User.role, func.count(User.id)).group_by(User.role))
    return {role: count for role, count in rows}


def summaries() -> list[RoleSummary]:
    counts = role_counts()
    found = []
    for role in ROLES:
        held = ROLE_CAPABILITIES[role]
        capabilities = [(name, label) for name, label in CAPABILITIES.items() if name in held]
        capabilities += [
            (f"{family.prefix}*", family.label) for family in FAMILIES if role in family.roles
        ]
        found.append(RoleSummary(role, ROLE_LABELS[role], counts.get(role, 0), capabilities))
    return found


def helper_capabilities() -> list[tuple[str, Any]]:
    """What ambassadors are granted while they hold the status (source "ambassador")."""
    return [(name, CAPABILITIES[name]) for name in HELPER_CAPABILITIES]
