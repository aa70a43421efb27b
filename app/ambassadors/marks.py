"""The ambassador mark beside a member's name, when the status is public.

The mark is drawn from ``users.distinction``, which topic pages and lists load with
their authors (no query per author) and cache per topic or category revision. Whenever
statuses change (the nightly job, a moderator's decision) the members' distinction is
written again and the pages that show their names get new revisions, set-based, in the
transaction of the change. With an implicit status (AMBASSADOR_STATUS_PUBLIC off) the
mark is never drawn and no page needs a new revision.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import case, exists, literal, null, update

from app.accounts.models import User
from app.ambassadors.models import AmbassadorStatus
from app.extensions import db
from app.forum.role_marks import refresh_author_pages

DISTINCTION = "ambassador"


def ambassador_mark(user: Any) -> str:
    """The mark beside an author's name: only for ambassadors, only when the status is
    public; no query (the distinction is on the author's row)."""
    if getattr(user, "distinction", None) != DISTINCTION:
        return ""
    if not current_app.config["AMBASSADOR_STATUS_PUBLIC"]:
        return ""
    return _mark(str(get_locale()))


@lru_cache(maxsize=8)
def _mark(locale: str) -> Markup:
    return Markup(' <span class="role-mark ambassador-mark">{name}</span>').format(
        name=escape(_("Ambassador"))
    )


def statuses_changed(user_ids: Any) -> None:
    """Write these members' distinction from their status, and refresh the pages that
    show their names. ``user_ids``: ids, or a SELECT of them. Three statements."""
    db.session.flush()  # the statuses just changed by hand
    holds = exists().where(
        AmbassadorStatus.user_id == User.id, AmbassadorStatus.status == "ambassador"
    )
    db.session.execute(
        update(User)
        .where(User.id.in_(user_ids))
        .values(distinction=case((holds, literal(DISTINCTION)), else_=null()))
        .execution_options(synchronize_session=False)
    )
    if current_app.config["AMBASSADOR_STATUS_PUBLIC"]:
        refresh_author_pages(user_ids)
