"""Members who want no campaign email: set from the account page or an email's link.

They stay in every audience and see their invitations in Tribune; sending.py queues
no email for them. The table belongs to invitations (accounts sits below it).
"""

from __future__ import annotations

from sqlalchemy import delete, select

from app.core.clock import now_utc
from app.core.sql import insert_for
from app.extensions import db
from app.invitations.models import CampaignEmailOptOut, Invitation
from app.invitations.tokens import digest, is_well_formed


def opt_out(user_id: int, source: str = "account") -> bool:
    """Stop campaign email for a member; False if they had already. The caller commits."""
    statement = insert_for(CampaignEmailOptOut).values(
        user_id=user_id, source=source, created_at=now_utc()
    )
    return (db.session.execute(statement.on_conflict_do_nothing()).rowcount or 0) == 1


def opt_in(user_id: int) -> bool:
    """Campaign email again; False if it was not stopped. The caller commits."""
    done = db.session.execute(
        delete(CampaignEmailOptOut).where(CampaignEmailOptOut.user_id == user_id)
    ).rowcount
    return done == 1


def has_opted_out(user_id: int) -> bool:
    return (
        db.session.scalar(
            select(CampaignEmailOptOut.user_id).where(CampaignEmailOptOut.user_id == user_id)
        )
        is not None
    )


def unsubscribe_by_link(token: str) -> int | None:
    """The one-click link of every campaign email (RFC 8058's POST): the member whose
    invitation's reply token it is stops campaign email; None for a token that names no
    invitation. Used or expired tokens still unsubscribe. The caller commits."""
    if not is_well_formed(token or ""):
        return None
    user_id = db.session.scalar(
        select(Invitation.user_id).where(Invitation.reply_token_hash == digest(token))
    )
    if user_id is not None:
        opt_out(user_id, "link")
    return user_id
