"""Staff's page of the referral program: top referrers, the funnel, refusals, the CSV."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from app.core import csvsafe
from app.core.clock import now_utc
from app.core.permissions import requires
from app.referrals import labels, queries

blueprint = Blueprint("referrals_staff", __name__, url_prefix="/staff/referrals")


def _period() -> int:
    days = request.args.get("days", queries.DEFAULT_PERIOD, type=int)
    return days if days in queries.PERIODS else queries.DEFAULT_PERIOD


@blueprint.get("")
@requires("referral.view")
def overview() -> Any:
    days = _period()
    since = queries.period_start(days, now_utc())
    return render_template(
        "referrals/staff.html",
        days=days,
        periods=queries.PERIODS,
        funnel=queries.funnel(since),
        top=queries.top_referrers(since),
        refused=queries.refused(since),
        labels=labels,
    )


@blueprint.get("/referrals.csv")
@requires("referral.view")
def export() -> Response:
    """Every referral signed up in the period, one row each; members' names kept from formulas."""
    days = _period()
    since = queries.period_start(days, now_utc())
    header = [_("Referrer"), _("Friend"), _("State"), _("Reason"), _("Visited"), _("Signed up"),
              _("Decided"), _("Converted by"), _("Network address hash")]  # fmt: skip
    rows = (
        [row.referrer, row.referred, labels.state(row.state), labels.reason(row.reason),
         row.visited_at.isoformat(), row.created_at.isoformat(),
         row.decided_at.isoformat() if row.decided_at else "", labels.via(row.converted_via),
         (row.ip_hash or "")[:12]]
        for row in queries.every_referral(since)
    )  # fmt: skip
    return csvsafe.rows_download(header, rows, f"tribune-referrals-{days}d.csv")
