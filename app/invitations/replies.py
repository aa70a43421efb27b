"""Accepting and declining: by the emailed link's token, or as a logged-in member.

Every reply locks the campaign's row first (FOR UPDATE on PostgreSQL; on SQLite
``savepoint()`` opens BEGIN IMMEDIATE, one writer at a time), then reads the seats
taken: thirty members accepting the last seat at once are served one after the
other, and exactly one gets it; the others go on the waitlist in the order they came.
A seat freed (a decline, staff removing someone) goes to the first on the waitlist,
who is told in Tribune and by email. A seat opens the campaign's private space, if it
has one (spaces.py), and giving it up closes it. An offer's seats are its unassigned codes: each
member who gets a seat gets the next code, and a code is never given twice.

The emailed link works once, until the reply deadline; a malformed, unknown, used,
expired or another member's token raises its own TokenError (errors.py) for the page
to explain. Services never commit.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.core import mail
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.notifications import notify
from app.core.sql import savepoint
from app.extensions import db
from app.invitations import spaces
from app.invitations.errors import (
    CampaignError,
    ExpiredToken,
    ForeignToken,
    MalformedToken,
    ReplyError,
    UnknownToken,
    UsedToken,
)
from app.invitations.models import (
    ACCEPTED,
    ATTENDED,
    DECLINED,
    OPEN,
    REMOVED,
    SEATED,
    WAITLISTED,
    Campaign,
    Invitation,
    OfferCode,
)
from app.invitations.sending import lock
from app.invitations.tokens import digest, is_well_formed

ACCEPT, DECLINE = "accept", "decline"
ANSWERS = (ACCEPT, DECLINE)
PROMOTED_KIND = "invitations.promoted"


def check_token(token: str, member: User | None = None, at: datetime | None = None) -> Invitation:
    """The invitation a link's token names, if the link may still be used (no change)."""
    at = at or now_utc()
    if not is_well_formed(token or ""):
        raise MalformedToken(
            _l("This link is incomplete or damaged. Copy it again from the email.")
        )
    invitation = db.session.scalar(
        select(Invitation)
        .where(Invitation.reply_token_hash == digest(token))
        .execution_options(populate_existing=True)
    )
    if invitation is None:
        raise UnknownToken(_l("This link does not match any invitation."))
    if member is not None and member.id != invitation.user_id:
        raise ForeignToken(_l("This link was sent to another member. Log out to use it."))
    if invitation.token_used_at is not None:
        raise UsedToken(
            _l("This link has already been used. Your invitations page has your answer.")
        )
    if at >= invitation.token_expires_at:
        raise ExpiredToken(_l("The time to answer this invitation has passed."))
    return invitation


def reply_by_token(
    token: str, answer: str, member: User | None = None, at: datetime | None = None
) -> Invitation:
    """Accept or decline through an emailed link (the confirmation page's POST)."""
    at = at or now_utc()
    _check_answer(answer)
    with savepoint():
        found = check_token(token, member, at)
        campaign = lock(found.campaign_id)
        # Checked again under the lock: a second click of the same link waited for the
        # first, which used the token.
        invitation = check_token(token, member, at)
        _reply(campaign, invitation, answer, at)
        invitation.token_used_at = at
    return invitation


def reply(member: User, invitation_id: int, answer: str, at: datetime | None = None) -> Invitation:
    """A logged-in member's answer (they may change their mind until the deadline)."""
    at = at or now_utc()
    _check_answer(answer)
    with savepoint():
        found = db.session.get(Invitation, invitation_id)
        if found is None or found.user_id != member.id:
            raise CampaignError(_l("This invitation does not exist."), 404)
        campaign = lock(found.campaign_id)
        invitation = _reload(invitation_id)
        if campaign.reply_deadline is not None and at >= campaign.reply_deadline:
            raise ReplyError(_l("The time to answer this invitation has passed."))
        _reply(campaign, invitation, answer, at)
    return invitation


def _check_answer(answer: str) -> None:
    if answer not in ANSWERS:
        raise CampaignError(_l("Answer accept or decline."))


def _reload(invitation_id: int) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation)
        .where(Invitation.id == invitation_id)
        .execution_options(populate_existing=True)
    )
    assert invitation is not None
    return invitation


def _reply(campaign: Campaign, invitation: Invitation, answer: str, at: datetime) -> None:
    """Apply an answer under the campaign's lock. Answering the same twice changes nothing."""
    if campaign.state != OPEN:
        raise ReplyError(_l("This campaign no longer takes answers."))
    if invitation.state in (ATTENDED, REMOVED):
        raise ReplyError(_l("This invitation can no longer be answered."))
    if answer == ACCEPT:
        if invitation.state in (*SEATED, WAITLISTED):
            return
        if _seat_free(campaign):
            _seat(campaign, invitation, at)
            spaces.let_in(campaign, [invitation.user_id])
        else:
            _waitlist(campaign, invitation)
    else:
        if invitation.state == DECLINED:
            return
        was_seated = invitation.state in SEATED
        invitation.state, invitation.waitlist_position = DECLINED, None
        if was_seated:
            db.session.flush()
            spaces.let_out(campaign, [invitation.user_id])
            promote(campaign, at)
    invitation.replied_at = at


def _seats_taken(campaign: Campaign) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                Invitation.campaign_id == campaign.id, Invitation.state.in_(SEATED)
            )
        )
        or 0
    )


def _free_code(campaign: Campaign) -> int | None:
    return db.session.scalar(
        select(func.min(OfferCode.id)).where(
            OfferCode.campaign_id == campaign.id, OfferCode.invitation_id.is_(None)
        )
    )


def _seat_free(campaign: Campaign) -> bool:
    if campaign.kind == "offer" and _free_code(campaign) is None:
        return False
    return campaign.capacity is None or _seats_taken(campaign) < campaign.capacity


def _seat(campaign: Campaign, invitation: Invitation, at: datetime) -> None:
    invitation.state, invitation.waitlist_position = ACCEPTED, None
    if campaign.kind == "offer":
        code_id = _free_code(campaign)
        assert code_id is not None  # _seat_free said so, under the lock
        db.session.execute(
            update(OfferCode)
            .where(OfferCode.id == code_id, OfferCode.invitation_id.is_(None))
            .values(invitation_id=invitation.id, assigned_at=at)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()


def _waitlist(campaign: Campaign, invitation: Invitation) -> None:
    last = db.session.scalar(
        select(func.max(Invitation.waitlist_position)).where(
            Invitation.campaign_id == campaign.id, Invitation.state == WAITLISTED
        )
    )
    invitation.state, invitation.waitlist_position = WAITLISTED, (last or 0) + 1
    db.session.flush()


def promote(campaign: Campaign, at: datetime | None = None) -> list[int]:
    """Give free seats to the waitlist, first come first served; call under the lock.

    Returns the promoted members' ids; each is told in Tribune and by email."""
    at = at or now_utc()
    promoted: list[int] = []
    while _seat_free(campaign):
        first = db.session.scalar(
            select(Invitation)
            .where(Invitation.campaign_id == campaign.id, Invitation.state == WAITLISTED)
            .order_by(Invitation.waitlist_position, Invitation.id)
            .limit(1)
        )
        if first is None:
            break
        _seat(campaign, first, at)
        promoted.append(first.user_id)
        _tell_promoted(campaign, first)
    spaces.let_in(campaign, promoted)  # one statement for all of them
    return promoted


def _tell_promoted(campaign: Campaign, invitation: Invitation) -> None:
    notify([invitation.user_id], PROMOTED_KIND, f"/invitations/{invitation.id}",
           campaign_id=campaign.id, title_en=campaign.title_en,
           title_fr=campaign.title_fr)  # fmt: skip
    member = db.session.get(User, invitation.user_id)
    if member is None or not invitation.emailed:  # opted out: Tribune only
        return
    language = member.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        title = campaign.title(language)
        mail.enqueue(member.email, _("A seat is yours: %(title)s", title=title), _(
            "Hello %(name)s,\n\nA seat has become free and it is yours: %(title)s.\n"
            "Your invitation: %(link)s\n", name=member.username, title=title,
            link=current_app.config["BASE_URL"] + f"/invitations/{invitation.id}",
        ), language=language)  # fmt: skip


def remove(actor: User, invitation_id: int, reason: str = "", at: datetime | None = None) -> None:
    """Staff take a member off a campaign; their seat goes to the waitlist."""
    if not actor.can("campaign.send"):
        raise CampaignError(_l("You are not allowed to manage campaigns."), 403)
    at = at or now_utc()
    with savepoint():
        found = db.session.get(Invitation, invitation_id)
        if found is None:
            raise CampaignError(_l("This invitation does not exist."), 404)
        campaign = lock(found.campaign_id)
        invitation = _reload(invitation_id)
        if invitation.state == REMOVED:
            return
        was = invitation.state
        invitation.state, invitation.waitlist_position = REMOVED, None
        db.session.flush()
        spaces.let_out(campaign, [invitation.user_id])
        if was in SEATED and campaign.state == OPEN:
            promote(campaign, at)
    queue_audit(actor.id, "invitation.remove", "invitation", invitation_id,
                before={"state": was}, after={"state": REMOVED}, reason=reason)  # fmt: skip
