"""/admin/mail: what the outbox could not deliver yet, or at all, and a way to retry."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.core import mail_queries
from app.core.clock import now_utc
from app.core.events import commit
from app.core.mail import FAILED, QUEUED, SENDING
from app.core.outbox import retry
from app.core.outbox import retry_failed as queue_failed_again
from app.core.permissions import requires
from app.core.places import register_link

blueprint = Blueprint("mail", __name__, url_prefix="/admin/mail")
SHOWN = 100  # per list; the oldest first, they are the ones to look at


@blueprint.get("/")
@requires("mail.manage")
def outbox() -> Any:
    return render_template(
        "core/mail_outbox.html",
        counts=mail_queries.status_counts(),
        failed=mail_queries.oldest_with_status(FAILED, limit=SHOWN),
        waiting=mail_queries.oldest_with_status(QUEUED, SENDING, limit=SHOWN),
        now=now_utc(),
    )


@blueprint.post("/<int:message_id>/retry")
@requires("mail.manage")
def retry_one(message_id: int) -> Any:
    if mail_queries.message_by_id(message_id) is None:
        abort(404)
    if retry(message_id):
        commit()
        flash(_("The message will be sent with the next delivery, within a minute."), "success")
    else:
        flash(_("This message was already sent or is being sent."), "error")
    return redirect(url_for("mail.outbox"))


@blueprint.post("/retry-failed")
@requires("mail.manage")
def retry_failed() -> Any:
    count = queue_failed_again()
    commit()
    flash(ngettext("%(num)d message will be sent again with the next delivery.",
                   "%(num)d messages will be sent again with the next delivery.", count),
          "success")  # fmt: skip
    return redirect(url_for("mail.outbox"))


def init_app(app: Any) -> None:
    app.register_blueprint(blueprint)
    register_link(app, "manage.menu", 40, "mail.outbox", _l("Outgoing mail"), ("mail.manage",))
