"""Capabilities: what a member may do, from their role and from per-user grants.

A capability is a name such as ``topic.lock``. Roles grant sets of capabilities; a
package can also grant a single member a capability for a reason (``source``, for
example "ambassador") until an optional expiry, without the forum knowing why.

Besides the fixed list, a *family* names capabilities made at run time, one per thing
(``space.campaign.12``: read campaign 12's private space). Its names match a pattern
checked like the fixed list's, the roles it names hold every one of them, and members
get the others one by one through grants. Core knows the family, not who fills it: the
forum restricts a category to ``space.campaign.12`` as to ``category.lounge``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import ForeignKey, Index, String, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now_utc
from app.core.sql import comma_joined
from app.core.types import UTCDateTime
from app.extensions import db

CAPABILITIES: dict[str, object] = {
    "topic.create": _l("Start topics"),
    "post.create": _l("Answer and reply"),
    "post.vote": _l("Vote posts helpful"),
    "post.flag": _l("Flag posts"),
    "answer.accept_any": _l("Mark the solution of any question"),
    "post.edit_any": _l("Edit anyone's posts"),
    "post.delete_any": _l("Delete anyone's posts"),
    "post.hide": _l("Hide posts"),
    "post.view_deleted": _l("See deleted and hidden posts"),
    "topic.move": _l("Move topics between categories"),
    "topic.retag": _l("Change the tags of any topic"),
    "topic.lock": _l("Lock and unlock topics"),
    "topic.pin": _l("Pin and unpin topics"),
    "topic.merge": _l("Merge topics and split replies into a new topic"),
    "flag.review": _l("Review flags"),
    "user.suspend": _l("Suspend members"),
    "user.roles": _l("Change members' roles"),
    "user.email": _l("Set a member's email address (imported members claiming theirs)"),
    "category.lounge": _l("Enter the ambassadors' lounge"),
    "category.manage": _l("Create and edit categories"),
    "campaign.send": _l("Send campaigns and invitations"),
    "manage.access": _l("Open the managers' console"),
    "settings.manage": _l("Change community settings such as point values"),
    "admin.access": _l("Open the administrator's hub"),
    "mail.manage": _l("See outgoing mail that failed and send it again"),
    "jobs.run": _l("See the scheduled jobs and run them by hand"),
    "api.tokens": _l("Create and revoke API tokens"),
    "ambassador.manage": _l("Promote and demote ambassadors by hand"),
    "ambassador.view": _l("See engagement scores and segments"),
    "answer.accept_stale": _l("Mark the solution of a question left unresolved"),
    "topic.close_duplicate": _l("Close a topic as a duplicate of another"),
    "flag.hide_spam": _l("Hide an obvious spam post at once with one flag"),
    "post.review_first": _l("Review newcomers' first posts"),
    "health.view": _l("See the community-health dashboard"),
    "referral.view": _l("See the referral program's figures and refused referrals"),
    "reward.redeem": _l("Spend points on rewards"),
    "reward.manage": _l("Manage the rewards catalogue and deliver redemptions"),
}

ROLES = ("member", "moderator", "staff", "admin")
# An account no one logs in to, that only holds posts (an import's "Community" user):
# it has no capability, earns no points or badges, and is left out of every ranking.
SYSTEM_ROLE = "system"
# What each role is called on the pages (the profile, the member page, the role form).
ROLE_LABELS = {
    "member": _l("Member"),
    "moderator": _l("Community manager"),
    "staff": _l("Brand staff"),
    "admin": _l("Administrator"),
    SYSTEM_ROLE: _l("System account"),
}


def role_label(role: str | None) -> str:
    """The role's name in the reader's language (an unknown role as it is stored)."""
    return str(ROLE_LABELS.get(role or "", role or ""))


_MEMBER = {"topic.create", "post.create", "post.vote", "post.flag", "reward.redeem"}
_MODERATOR = _MEMBER | {
    "answer.accept_any",
    "post.edit_any",
    "post.delete_any",
    "post.hide",
    "post.view_deleted",
    "topic.move",
    "topic.retag",
    "topic.lock",
    "topic.pin",
    "topic.merge",
    "flag.review",
    "user.suspend",
    "category.lounge",
    "manage.access",
    "answer.accept_stale",
    "topic.close_duplicate",
    "flag.hide_spam",
    "post.review_first",
    "ambassador.manage",
    "ambassador.view",
    "health.view",
    "referral.view",
}
_STAFF = _MEMBER | {
    "campaign.send",
    "reward.manage",
    "category.lounge",
    "manage.access",
    "api.tokens",
    "ambassador.view",
    "health.view",
    "referral.view",
}

# What the ambassador job grants its ambassadors (source "ambassador"): the helper
# privileges. Each action taken with them is written to the audit log.
HELPER_CAPABILITIES = (
    "post.edit_any",
    "topic.retag",
    "topic.move",
    "answer.accept_stale",
    "topic.close_duplicate",
    "flag.hide_spam",
    "post.review_first",
    "category.lounge",
)

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    "member": frozenset(_MEMBER),
    "moderator": frozenset(_MODERATOR),
    "staff": frozenset(_STAFF),
    "admin": frozenset(CAPABILITIES),
}


@dataclass(frozen=True)
class CapabilityFamily:
    """Capabilities named at run time: ``prefix`` then what they are about."""

    prefix: str
    pattern: re.Pattern[str]
    label: object
    # Roles that hold every capability of the family (the others only by grant).
    roles: frozenset[str]
    # Lets its holder read something: a suspended member keeps it.
    reading: bool


SPACE_PREFIX = "space."
FAMILIES: tuple[CapabilityFamily, ...] = (
    # One private space per thing: "space.<what>.<id>" (space.campaign.12). Staff run
    # the campaigns that open them and moderators watch every discussion: both see them.
    CapabilityFamily(
        SPACE_PREFIX,
        re.compile(r"space\.[a-z]{1,16}\.[1-9][0-9]{0,17}"),
        _l("Read a private space"),
        frozenset({"moderator", "staff", "admin"}),
        reading=True,
    ),
)


def space_capability(what: str, thing_id: int) -> str:
    """The capability that opens one private space, e.g. ("campaign", 12)."""
    name = f"{SPACE_PREFIX}{what}.{thing_id}"
    _check(name)
    return name


def family_of(capability: str) -> CapabilityFamily | None:
    """The family ``capability`` belongs to, if it is a well-formed name of one."""
    for family in FAMILIES:
        if capability.startswith(family.prefix) and family.pattern.fullmatch(capability):
            return family
    return None


def is_known(capability: str) -> bool:
    """A name of the fixed list, or a well-formed name of a family."""
    return capability in CAPABILITIES or family_of(capability) is not None


def is_reading(capability: str) -> bool:
    """Whether the capability lets its holder read (a suspended member keeps those)."""
    if capability.startswith("category."):
        return True
    family = family_of(capability)
    return family is not None and family.reading


def roles_holding(capability: str) -> list[str]:
    """The roles that hold ``capability`` (without any grant)."""
    _check(capability)
    family = family_of(capability)
    if family is not None:
        return sorted(family.roles)
    return [role for role, held in ROLE_CAPABILITIES.items() if capability in held]


class UnknownCapability(ValueError):
    """A capability name that is neither in CAPABILITIES nor of a family: a programming error."""


class CapabilityGrant(db.Model):
    """One capability given to one member, for a reason, maybe until a date."""

    __tablename__ = "capability_grants"
    __table_args__ = (Index("ix_capability_grants_user_capability", "user_id", "capability"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    capability: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def is_active(self, at: datetime) -> bool:
        return self.expires_at is None or self.expires_at > at


def _check(capability: str) -> None:
    if not is_known(capability):
        raise UnknownCapability(capability)


def role_can(role: str, capability: str) -> bool:
    if capability in CAPABILITIES:
        return capability in ROLE_CAPABILITIES.get(role, frozenset())
    family = family_of(capability)
    if family is None:
        raise UnknownCapability(capability)
    return role in family.roles


def can(role: str, grants: Iterable[CapabilityGrant], capability: str) -> bool:
    """Whether a member with this role and these grants holds ``capability`` now."""
    if role_can(role, capability):
        return True
    at = now_utc()
    return any(g.capability == capability and g.is_active(at) for g in grants)


def active_capabilities_query(user_id_column: Any, at: Any, dialect: str) -> Any:
    """A scalar subquery: the member's capabilities from grants active at ``at``, joined
    by commas (the user loader reads them with the member, without a second query)."""
    return (
        select(comma_joined(CapabilityGrant.capability, dialect))
        .where(
            CapabilityGrant.user_id == user_id_column,
            or_(CapabilityGrant.expires_at.is_(None), CapabilityGrant.expires_at > at),
        )
        .scalar_subquery()
    )


def parse_capabilities(joined: str | None) -> frozenset[str]:
    return frozenset(joined.split(",")) if joined else frozenset()


def granted_of_family(family: CapabilityFamily, held: Iterable[str]) -> frozenset[str]:
    """Those of ``held`` (a member's granted capabilities) that belong to ``family``."""
    return frozenset(c for c in held if c.startswith(family.prefix) and family_of(c) is family)


def revoke_everywhere(capability: str, source: str) -> int:
    """Remove every member's grant of ``capability`` from ``source`` (one statement)."""
    _check(capability)
    return db.session.execute(
        db.delete(CapabilityGrant).where(
            CapabilityGrant.capability == capability, CapabilityGrant.source == source
        )
    ).rowcount


def grant(
    user_id: int, capability: str, source: str, expires_at: datetime | None = None
) -> CapabilityGrant:
    """Give a member a capability for ``source``; an existing grant from that source is renewed."""
    _check(capability)
    existing = db.session.scalar(
        select(CapabilityGrant).where(
            CapabilityGrant.user_id == user_id,
            CapabilityGrant.capability == capability,
            CapabilityGrant.source == source,
        )
    )
    if existing is not None:
        existing.expires_at = expires_at
        return existing
    new = CapabilityGrant(
        user_id=user_id, capability=capability, source=source, expires_at=expires_at
    )
    db.session.add(new)
    return new


def revoke(user_id: int, source: str, capability: str | None = None) -> int:
    """Remove the grants a source gave a member (one capability, or all); returns how many."""
    query = db.delete(CapabilityGrant).where(
        CapabilityGrant.user_id == user_id, CapabilityGrant.source == source
    )
    if capability is not None:
        _check(capability)
        query = query.where(CapabilityGrant.capability == capability)
    return db.session.execute(query).rowcount


def requires(capability: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator: login required (visitors go to the login page), then the capability
    (403). Every package's pages use this one, so they all refuse alike."""
    _check(capability)  # a misspelt capability fails at import, not as a 403 for everyone

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(capability):
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapped)

    return decorate
