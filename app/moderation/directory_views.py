"""/admin/members: the member directory (search, filters, sort, 50 a page) and its CSV.

Who may sanction members (``user.suspend``) finds them here; each row opens the
member's moderation page. The reads are app/moderation/directory.py.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request

from app.core import csvsafe
from app.core.permissions import ROLE_LABELS, ROLES, requires
from app.moderation import directory

blueprint = Blueprint("directory", __name__)

CSV_COLUMNS = ("username", "email", "role", "level", "points", "status", "suspended",
               "silenced", "sanctions", "joined", "last_seen")  # fmt: skip


@blueprint.get("/admin/members")
@requires("user.suspend")
def members() -> tuple[str, int]:
    filters = directory.parse(request.args)
    found = directory.directory_page(filters)
    return render_template(
        "moderation/directory.html", found=found, filters=filters,
        roles=[(role, ROLE_LABELS[role]) for role in ROLES],
        levels=[(key, directory.level_name(key)) for key in directory.level_keys()],
        statuses=directory.STATUSES, sanctions=directory.SANCTIONS, sorts=directory.SORTS,
        zone=current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC",
    ), 200  # fmt: skip


@blueprint.get("/admin/members.csv")
@requires("user.suspend")
def members_csv() -> Response:
    """The whole filtered list (every page) as CSV; roles,
    levels and statuses as codes, times in UTC (ISO 8601)."""
    rows = directory.directory_rows(directory.parse(request.args))
    return csvsafe.rows_download(
        CSV_COLUMNS, (_csv_row(row) for row in rows), "tribune-members.csv"
    )


def _csv_row(row: directory.MemberRow) -> list[Any]:
    return [
        row.username, row.email, row.role, row.level_key, row.points, row.status,
        "yes" if row.suspended else "", "yes" if row.silenced else "", row.sanctions,
        row.joined.isoformat(), row.last_seen.isoformat() if row.last_seen else "",
    ]  # fmt: skip
