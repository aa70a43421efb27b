"""Members' email addresses: placeholders of imported members, and setting a real one.

An imported member without an address gets a placeholder under ``users.invalid`` (RFC
2606: it can never receive mail). Until an administrator sets a real address (the
member's moderation page, or ``tribune users set-emails FILE.csv``), the member cannot
claim the account; once it is set, the reset link works. Exports and the API hand out
no placeholder: the member is "unreachable".
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.resets import UNDELIVERABLE
from app.accounts.services import AccountError, normalize_email
from app.core.events import queue_audit
from app.extensions import db


def is_placeholder(email: str | None) -> bool:
    """Whether an address is an import's placeholder (or empty): no mail can reach it."""
    return not email or email.lower().endswith(UNDELIVERABLE)


def reachable_email(email: str | None) -> str:
    """The address to hand to a CRM: the real one, or "" for a placeholder."""
    return "" if is_placeholder(email) else str(email)


def set_email(member: User, email: str, actor_id: int | None, reason: str = "") -> bool:
    """Give a member a real address (audited); False if it is the one they have.

    Refuses an invalid address, a placeholder and one another member holds
    (AccountError, field "email"). The caller commits."""
    address = normalize_email(email)
    if is_placeholder(address):
        raise AccountError(_l("This address cannot receive mail."), field="email")
    if address == member.email:
        return False
    taken = db.session.scalar(
        select(User.id).where(func.lower(User.email) == address, User.id != member.id)
    )
    if taken is not None:
        raise AccountError(_l("Another member already uses this address."), field="email")
    before = member.email
    member.email = address
    queue_audit(actor_id, "user.email", "user", member.id, before={"email": before},
                after={"email": address}, reason=reason)  # fmt: skip
    return True
