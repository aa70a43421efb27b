"""Private spaces: the category a preview's or a workshop's accepted members read.

A space is a forum category restricted to the campaign's own capability,
``space.campaign.<id>`` (a capability family of core: the forum restricts the category
as it restricts the lounge, and knows nothing of campaigns). Staff open it when they
wish (``open_space``); from then on every member holding a seat (accepted, attended) is
granted the capability, source "campaign", until the campaign's end: its ``ends_at``,
or for a campaign without one its reply deadline plus CAMPAIGN_PREVIEW_SPACE_DAYS.
Declining, being removed or a cancelled campaign take it back; closing the campaign
(no more replies) keeps it until it expires. Staff and moderators hold the whole family
by role and see every space.

Grants are written and taken back set-based (INSERT ... SELECT from the invitations,
DELETE ... WHERE), under the campaign's row lock that every reply takes first, so two
acceptances at once give one grant. Services never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, insert, literal, select

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.permissions import CapabilityGrant, revoke_everywhere, space_capability
from app.core.sql import savepoint
from app.core.types import UTCDateTime
from app.extensions import db
from app.forum import services as forum
from app.forum.categories import create_category
from app.forum.errors import ForumError
from app.forum.models import Category
from app.invitations.errors import CampaignError
from app.invitations.models import CANCELLED, SEATED, SPACE_KINDS, Campaign, Invitation
from app.invitations.sending import lock

SOURCE = "campaign"
NAME_LENGTH = 80  # Category.name


def capability(campaign: Campaign) -> str:
    """The capability that opens this campaign's space: ``space.campaign.<id>``."""
    return space_capability("campaign", campaign.id)


def expiry(campaign: Campaign) -> datetime | None:
    """When members' access ends: the campaign's end, else its reply deadline plus
    CAMPAIGN_PREVIEW_SPACE_DAYS; None (until taken back) for a campaign with neither."""
    if campaign.ends_at is not None:
        return campaign.ends_at
    if campaign.reply_deadline is not None:
        days = int(current_app.config["CAMPAIGN_PREVIEW_SPACE_DAYS"])
        return campaign.reply_deadline + timedelta(days=days)
    return None


def space_of(campaign: Campaign) -> Category | None:
    """The campaign's private category, if staff opened one."""
    if campaign.space_category_id is None:
        return None
    return db.session.get(Category, campaign.space_category_id)


def _require_staff(actor: User) -> None:
    if not actor.can("campaign.send"):
        raise CampaignError(_l("You are not allowed to manage campaigns."), 403)


def open_space(actor: User, campaign: Campaign, at: datetime | None = None) -> Category:
    """Open the private space of a preview or workshop, named after the campaign, with a
    first topic holding the campaign's description (its links and files).

    The members who already hold a seat get in at once; those who accept later get in
    as they accept. Opening it again (a double click, or after ``close_space``) keeps
    the same category and lets the seated members back in. The caller commits.
    """
    _require_staff(actor)
    at = at or now_utc()
    if campaign.kind not in SPACE_KINDS:
        raise CampaignError(_l("Only product previews and workshops have a private space."), 409)
    with savepoint():
        locked = lock(campaign.id)
        if locked.state == CANCELLED:
            raise CampaignError(_l("This campaign was cancelled."), 409)
        category = space_of(locked)
        created = category is None
        if category is None:
            category = _new_category(actor, locked)
            locked.space_category_id = category.id
            db.session.flush()
        granted = let_in(locked)
    queue_audit(actor.id, "campaign.space_open", "campaign", campaign.id,
                after={"category_id": category.id, "created": created,
                       "granted": granted})  # fmt: skip
    return category


def _new_category(actor: User, campaign: Campaign) -> Category:
    language = current_app.config["BABEL_DEFAULT_LOCALE"]
    name = (campaign.title(language) or f"#{campaign.id}")[:NAME_LENGTH].strip()
    # A category has one name: the community's language; the other title, when there is
    # one, is its description, so members reading the other language find it too.
    other = campaign.title("en" if language == "fr" else "fr").strip()
    try:
        category = create_category(
            name, f"space-campaign-{campaign.id}",
            description=other if other != name else "", position=1000,
            required_capability=capability(campaign),
        )  # fmt: skip
        body = "\n\n---\n\n".join(
            text.strip() for text in (campaign.description_en, campaign.description_fr) if text
        )
        if body:
            forum.create_topic(actor, category, title=name, body=body, kind="discussion")
    except ForumError as error:
        raise CampaignError(error.message, 409) from error
    return category


def close_space(actor: User, campaign: Campaign) -> int:
    """End every member's access now (staff and moderators still read the category, and
    ``open_space`` lets the seated members back in). Returns how many lost access."""
    _require_staff(actor)
    with savepoint():
        lock(campaign.id)
        removed = revoke_everywhere(capability(campaign), SOURCE)
    queue_audit(actor.id, "campaign.space_close", "campaign", campaign.id,
                after={"revoked": removed})  # fmt: skip
    return removed


def let_in(campaign: Campaign, user_ids: Iterable[int] | None = None) -> int:
    """Grant the space to the campaign's seated members (or those of ``user_ids`` who hold
    a seat) who do not have it yet, in one INSERT ... SELECT; call under the campaign's
    lock. Nothing happens while the campaign has no space. Returns how many got in."""
    if campaign.space_category_id is None:
        return 0
    name = capability(campaign)
    held = exists().where(
        CapabilityGrant.user_id == Invitation.user_id,
        CapabilityGrant.capability == name,
        CapabilityGrant.source == SOURCE,
    )
    seated = select(
        Invitation.user_id,
        literal(name),
        literal(SOURCE),
        literal(now_utc(), UTCDateTime()),
        literal(expiry(campaign), UTCDateTime()),
    ).where(Invitation.campaign_id == campaign.id, Invitation.state.in_(SEATED), ~held)
    if user_ids is not None:
        wanted = sorted(set(user_ids))
        if not wanted:
            return 0
        seated = seated.where(Invitation.user_id.in_(wanted))
    columns = ["user_id", "capability", "source", "granted_at", "expires_at"]
    statement = insert(CapabilityGrant).from_select(columns, seated)
    return db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def let_out(campaign: Campaign, user_ids: Iterable[int]) -> int:
    """Take the space back from these members (a decline, a removal), in one DELETE."""
    wanted = sorted(set(user_ids))
    if not wanted or campaign.space_category_id is None:
        return 0
    return db.session.execute(
        delete(CapabilityGrant).where(
            CapabilityGrant.capability == capability(campaign),
            CapabilityGrant.source == SOURCE,
            CapabilityGrant.user_id.in_(wanted),
        )
    ).rowcount


def shut(campaign: Campaign) -> int:
    """A cancelled campaign: every member's access ends, in one DELETE."""
    if campaign.space_category_id is None:
        return 0
    return revoke_everywhere(capability(campaign), SOURCE)
