"""/admin/mail: what the outbox could not deliver yet, or at all, and a way to retry."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select, update

from app.core.clock import now_utc
from app.core.mail import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from app.core.outbox import retry
from app.core.places import register_link
from app.extensions import db

blueprint = Blueprint("mail", __name__, url_prefix="/admin/mail")
SHOWN = 100  # per list; the oldest first, they are the ones to look at


def _guard() -> None:
    if not current_user.can("mail.manage"):
        abort(403)


@blueprint.get("/")
@login_required
def outbox() -> Any:
    _guard()
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )

    def listed(*statuses: str) -> list[OutboxMessage]:
        return list(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status.in_(statuses))
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
                .limit(SHOWN)
            )
        )

    return render_template(
        "core/mail_outbox.html",
        counts={status: counts.get(status, 0) for status in (QUEUED, SENDING, SENT, FAILED)},
        failed=listed(FAILED),
        waiting=listed(QUEUED, SENDING),
        now=now_utc(),
    )


@blueprint.post("/<int:message_id>/retry")
@login_required
def retry_one(message_id: int) -> Any:
    _guard()
    if db.session.get(OutboxMessage, message_id) is None:
        abort(404)
    if retry(message_id):
        db.session.commit()
        flash(_("The message will be sent with the next delivery, within a minute."), "success")
    else:
        flash(_("This message was already sent or is being sent."), "error")
    return redirect(url_for("mail.outbox"))


@blueprint.post("/retry-failed")
@login_required
def retry_failed() -> Any:
    _guard()
    count = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == FAILED)
        .values(status=QUEUED, next_attempt_at=now_utc(), attempts=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    flash(ngettext("%(num)d message will be sent again with the next delivery.",
                   "%(num)d messages will be sent again with the next delivery.", count),
          "success")  # fmt: skip
    return redirect(url_for("mail.outbox"))


def init_app(app: Any) -> None:
    app.register_blueprint(blueprint)
    register_link(app, "manage.menu", 40, "mail.outbox", _l("Outgoing mail"), ("mail.manage",))
