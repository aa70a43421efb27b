"""Each member's choice per email kind: none, immediate or the daily digest.

A member who never chose gets each kind's default; a row exists only once they choose
(on the account page, or by an email's unsubscribe link, which sets "none").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, literal, select

from app.core.clock import now_utc
from app.core.notifications import EMAIL_MODES, EmailKind, email_kinds
from app.core.sql import insert_for
from app.extensions import db
from app.notification_mail.models import NotificationEmailSetting

NONE, IMMEDIATE, DIGEST = EMAIL_MODES


def kinds_by_key() -> dict[str, EmailKind]:
    return {kind.key: kind for kind in email_kinds()}


def modes_of(user_id: int) -> dict[str, str]:
    """The member's mode for every email kind (their choice, else the default)."""
    chosen = dict(
        db.session.execute(
            select(NotificationEmailSetting.kind, NotificationEmailSetting.mode).where(
                NotificationEmailSetting.user_id == user_id
            )
        ).all()
    )
    return {kind.key: chosen.get(kind.key, kind.default) for kind in email_kinds()}


def set_modes(user_id: int, modes: dict[str, str], source: str = "account") -> int:
    """Store the member's choices (unknown kinds or modes refused: ValueError); how many
    changed. One upsert per kind: two tabs saving at once leave one row each. The
    caller commits."""
    known = kinds_by_key()
    for key, mode in modes.items():
        if key not in known or mode not in EMAIL_MODES:
            raise ValueError(f"no email kind {key!r} with mode {mode!r}")
    current = modes_of(user_id)
    changed = 0
    for key, mode in modes.items():
        if current.get(key) == mode:
            continue
        statement = insert_for(NotificationEmailSetting).values(
            user_id=user_id, kind=key, mode=mode, source=source, updated_at=now_utc()
        )
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id", "kind"],
                set_={"mode": mode, "source": source, "updated_at": now_utc()},
            )
        )
        changed += 1
    return changed


def email_kind_of(notification_kind: Any) -> Any:
    """SQL: the email kind ("answers") of a notifications.kind column; NULL when the
    kind is never mailed."""
    whens = [(notification_kind.in_(kind.kinds), literal(kind.key)) for kind in email_kinds()]
    return case(*whens, else_=None) if whens else literal(None)


def effective_mode(user_id: Any, notification_kind: Any) -> Any:
    """SQL: how the member receives notifications of this kind (choice, else default);
    NULL for kinds that are never mailed."""
    kinds = email_kinds()
    if not kinds:
        return literal(None)
    chosen = (
        select(NotificationEmailSetting.mode)
        .where(
            and_(
                NotificationEmailSetting.user_id == user_id,
                NotificationEmailSetting.kind == email_kind_of(notification_kind),
            )
        )
        .scalar_subquery()
    )
    default = case(
        *[(notification_kind.in_(kind.kinds), literal(kind.default)) for kind in kinds],
        else_=None,
    )
    return func.coalesce(chosen, default)
