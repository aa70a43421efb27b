"""Forms that act once: a form sent again (a double click, a retry after an error page)
answers with the first result instead of storing the same thing twice.

Each form that creates something carries a random submission token (``SubmissionField``).
The view claims it, in the transaction of the change, before acting: the claim is a row
under a unique key, so a second request with the same token waits for the first one's
commit and then finds its result. A request that fails rolls its claim back with
everything else, so the member can send the form again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from app.core.clock import now_utc
from app.core.sql import savepoint
from app.core.types import UTCDateTime
from app.extensions import db

KEEP_HOURS = 24
_CLAIMED = "tribune.submission"


class FormSubmission(db.Model):
    __tablename__ = "form_submissions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    result_url: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)


def new_token() -> str:
    return secrets.token_urlsafe(18)


class SubmissionField(HiddenField):
    """A hidden field holding a fresh submission token each time the form is shown."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default=new_token, **kwargs)


def _key(token: str) -> str:
    owner = current_user.id if current_user.is_authenticated else "-"
    return hashlib.sha256(f"{owner}:{token}".encode()).hexdigest()


def first_result(token: str | None) -> str | None:
    """Claim ``token`` for this request; the first request's result URL if it was sent before.

    Without a token (an old page, a hand-made request) nothing is claimed and None is
    returned: the form acts as it always did.
    """
    if not token or len(token) > 64:
        return None
    key = _key(token)
    owner = current_user.id if current_user.is_authenticated else None
    try:
        with savepoint():
            db.session.add(FormSubmission(token_hash=key, user_id=owner, created_at=now_utc()))
    except IntegrityError:
        found = db.session.scalar(
            select(FormSubmission.result_url).where(FormSubmission.token_hash == key)
        )
        return found or "/"
    db.session.info[_CLAIMED] = key
    return None


def remember(url: str) -> None:
    """Store the URL the claimed submission led to (before the request's commit)."""
    key = db.session.info.pop(_CLAIMED, None)
    if key is not None:
        claimed = db.session.get(FormSubmission, key)
        if claimed is not None:
            claimed.result_url = url[:2000]


def prune(as_of: datetime | None = None, **options: Any) -> dict[str, int]:
    """Forget submissions older than a day: nobody double-clicks that slowly."""
    before = (as_of or now_utc()) - timedelta(hours=KEEP_HOURS)
    removed = db.session.execute(
        delete(FormSubmission).where(FormSubmission.created_at < before)
    ).rowcount
    return {"removed": removed or 0}


def init_app(app: Flask) -> None:
    from app.core.scheduler import Job, register_job

    app.jinja_env.globals["new_submission_token"] = new_token
    register_job(
        app,
        Job("prune-form-submissions", prune, cron="47 4 * * *",
            description=_l("Forget form submission tokens older than a day.")),
    )  # fmt: skip
