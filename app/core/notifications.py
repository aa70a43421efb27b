"""In-app notifications any package can send: the bell, the list, mark read.

A package registers each kind it sends with a function that renders the message from
the stored data, so the text is translated for the reader when they read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import JSON, ForeignKey, Index, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core import htmx, layout
from app.core.clock import now_utc
from app.core.events import commit
from app.core.types import UTCDateTime
from app.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
        # The mail jobs' scan: the last day's unread notifications, not the whole history.
        Index("ix_notifications_created_at", "created_at", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def message(self) -> str:
        render = _kinds().get(self.kind)
        return render(self.data) if render else self.kind


Render = Callable[[dict[str, Any]], str]
_KINDS = "tribune.notification_kinds"
_UNREADABLE_CHECKS = "tribune.unreadable_checks"


def register_kind(app: Flask, kind: str, render: Render) -> None:
    """Declare a notification kind and how to word it (called from a package's init_app)."""
    app.extensions.setdefault(_KINDS, {})[kind] = render


def _kinds() -> dict[str, Render]:
    return current_app.extensions.get(_KINDS, {})


# Notifications a member may also receive by email, grouped in the kinds the member
# chooses for ("answers to my questions"): the package that sends them declares each
# with its label and its default mode; the email package above reads the registry.
EMAIL_MODES = ("none", "immediate", "digest")


@dataclass(frozen=True)
class EmailKind:
    key: str  # "answers": the member's setting and the unsubscribe links name it
    kinds: tuple[str, ...]  # the notification kinds it covers ("forum.answer")
    label: Any  # a lazy string (_l): translated where it is shown
    default: str  # one of EMAIL_MODES, for members who never chose
    order: int = 0


_EMAIL_KINDS = "tribune.notification_email_kinds"


def register_email_kind(app: Flask, kind: EmailKind) -> None:
    """Let members receive these notifications by email (called from init_app)."""
    if kind.default not in EMAIL_MODES:
        raise ValueError(f"email kind {kind.key!r}: default must be one of {EMAIL_MODES}")
    app.extensions.setdefault(_EMAIL_KINDS, {})[kind.key] = kind


def email_kinds() -> list[EmailKind]:
    """The current application's email kinds, in their order."""
    kinds: dict[str, EmailKind] = current_app.extensions.get(_EMAIL_KINDS, {})
    return sorted(kinds.values(), key=lambda kind: (kind.order, kind.key))


# A notification's wording names what it is about (a topic's title), as it stood when it
# was sent; the reader may not read it any more (a topic moved into the lounge, a lounge
# they left, a deleted topic). Packages register checks: given the reader and a page of
# notifications, the ids of those about something the reader may not read now. The list
# shows those without their wording or link.
UnreadableCheck = Callable[[Any, list["Notification"]], set[int]]


def register_unreadable_check(app: Flask, check: UnreadableCheck) -> None:
    """Declare how to tell notifications the reader may no longer read (from init_app)."""
    checks: list[UnreadableCheck] = app.extensions.setdefault(_UNREADABLE_CHECKS, [])
    if check not in checks:
        checks.append(check)


def unreadable(user: Any, items: list[Notification]) -> set[int]:
    """The ids of ``items`` about something ``user`` may not read now."""
    found: set[int] = set()
    for check in current_app.extensions.get(_UNREADABLE_CHECKS, []):
        found |= check(user, items)
    return found


def notify(user_ids: Iterable[int], kind: str, url: str, **data: Any) -> int:
    """Queue one notification per member in the session; the caller commits."""
    if kind not in _kinds():
        raise ValueError(f"unregistered notification kind {kind!r}")
    at = now_utc()
    rows = [
        {"user_id": uid, "kind": kind, "url": url, "data": data, "created_at": at}
        for uid in dict.fromkeys(user_ids)
    ]
    if rows:
        db.session.execute(db.insert(Notification), rows)
    return len(rows)


def notify_selected(user_ids: Any, kind: str, url: str, batch_size: int = 1000, **data: Any) -> int:
    """Notify every member a select of user ids names, streamed and inserted in batches
    (a nightly job may name tens of thousands); the caller commits."""
    sent, batch = 0, []
    for user_id in db.session.scalars(user_ids.execution_options(yield_per=batch_size)):
        batch.append(user_id)
        if len(batch) >= batch_size:
            sent += notify(batch, kind, url, **data)
            batch = []
    if batch:
        sent += notify(batch, kind, url, **data)
    return sent


def unread_count_query(user_id_column: Any) -> Any:
    """A scalar subquery counting a member's unread notifications (for the user loader)."""
    return (
        select(func.count(Notification.id))
        .where(Notification.user_id == user_id_column, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def mark_read(user_id: int, notification_ids: Iterable[int] | None = None) -> int:
    """Mark some (or all) of a member's unread notifications read; returns how many."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        query = query.where(Notification.id.in_(list(notification_ids)))
    return db.session.execute(query.values(read_at=now_utc())).rowcount


blueprint = Blueprint("notifications", __name__, url_prefix="/notifications")


def _page_of(user_id: int, page: int) -> tuple[list[Notification], bool]:
    """A page of a member's notifications, newest first, and whether another follows."""
    per_page = current_app.config["TOPICS_PER_PAGE"]
    items = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    return list(items[:per_page]), len(items) > per_page


def _page_arg() -> int:
    page = request.args.get("page", 1, type=int) or 1
    if not 1 <= page <= 10_000:
        abort(404)
    return page


def _unread_now(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


@blueprint.get("/")
@login_required
def index() -> str:
    page = _page_arg()
    shown, has_next = _page_of(current_user.id, page)
    return render_template(
        "core/notifications.html",
        notifications=shown,
        unreadable=unreadable(current_user, shown),
        page=page,
        has_next=has_next,
    )


def _own_notification(notification_id: int) -> Notification:
    """The reader's notification, or a 404 (another member's is not theirs to open)."""
    item = db.session.get(Notification, notification_id)
    if item is None or item.user_id != current_user.id:
        abort(404)
    return item


@blueprint.get("/<int:notification_id>")
@login_required
def open_one(notification_id: int) -> Any:
    """Follow a notification's link, marking it read on the way."""
    item = _own_notification(notification_id)
    mark_read(current_user.id, [item.id])
    commit()
    return redirect(item.url)


@blueprint.post("/<int:notification_id>/read")
@login_required
def read_one(notification_id: int) -> Any:
    """Mark one notification read; with htmx, answer its line and the header's bell."""
    item = _own_notification(notification_id)
    mark_read(current_user.id, [item.id])
    commit()
    if not htmx.requested():
        return redirect(url_for("notifications.index", page=_page_arg()))
    line = get_template_attribute("core/_notification.html", "notification")
    html = line(item, item.id in unreadable(current_user, [item]), _page_arg(), True)
    return htmx.fragment(html + layout.bell_update(_unread_now(current_user.id)))


@blueprint.post("/read")
@login_required
def read_all() -> Any:
    """Mark every notification read; with htmx, answer the page's list and the bell."""
    page = _page_arg()
    mark_read(current_user.id)
    commit()
    if not htmx.requested():
        return redirect(url_for("notifications.index", page=page))
    shown, _has_next = _page_of(current_user.id, page)
    listing = get_template_attribute("core/_notification.html", "notification_list")
    html = listing(shown, unreadable(current_user, shown), page)
    return htmx.fragment(html + layout.bell_update(0))
