"""The member's own status page and the managers' ambassador console under /manage."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.services import get_by_username
from app.ambassadors import console_charts, console_queries, export, queries, segments, services
from app.ambassadors.forms import StatusForm
from app.ambassadors.models import SEGMENTS
from app.ambassadors.services import AmbassadorError
from app.core import csvsafe
from app.core.events import commit
from app.core.permissions import requires
from app.extensions import db

blueprint = Blueprint("ambassadors", __name__)

PER_PAGE = 50


@blueprint.get("/me/ambassador")
@login_required
def my_status() -> str:
    """Why am I an ambassador, or what would make me one: the breakdown and the rules."""
    run = queries.latest_run()
    return render_template(
        "ambassadors/my_status.html",
        status=services.status_of(current_user.id),
        breakdown=queries.breakdown(current_user.id, run),
        history=queries.history(current_user.id),
        run=run,
        weights=current_app.config["AMBASSADOR_WEIGHTS"],
        reason_labels=queries.REASON_LABELS,
        config=current_app.config,
    )


@blueprint.get("/manage/ambassadors")
@requires("ambassador.view")
def console() -> str:
    """The last run's members, sorted and filtered by the query string, and its scores'
    distribution. An unknown sort or filter value is a 404, never a 500."""
    filters = console_queries.parse(request.args)
    if filters is None:
        abort(404)
    page = request.args.get("page", 1, type=int) or 1
    if page < 1 or page > 100_000:
        abort(404)
    run = queries.latest_run()
    distribution = console_queries.distribution(run) if run else None
    histogram = console_charts.distribution_chart(distribution) if distribution else None
    return render_template(
        "ambassadors/console.html",
        run=run,
        rows=console_queries.members(run, filters, page, PER_PAGE) if run else None,
        filters=filters,
        segment=filters.segment,
        segments=SEGMENTS,
        segment_counts=segments.count_by_segment(run.id) if run else {},
        distribution=distribution,
        distribution_chart=histogram,
        ambassadors=queries.current_ambassador_count(),
    )


@blueprint.get("/manage/ambassadors/export/<segment>.csv")
@requires("ambassador.view")
def export_segment(segment: str) -> Response:
    """One segment of the last run as CSV: the file `tribune ambassadors export --segment`
    writes."""
    if segment not in SEGMENTS:
        abort(404)
    run = queries.latest_run()
    if run is None:
        abort(404)
    return csvsafe.download(
        lambda text: export.write_csv(text, run, segment), export.csv_name(run, segment)
    )


def _member_or_404(username: str) -> Any:
    member = get_by_username(username)
    if member is None:
        abort(404)
    return member


@blueprint.get("/manage/ambassadors/u/<username>")
@requires("ambassador.view")
def member(username: str) -> tuple[str, int] | str:
    return _render_member(_member_or_404(username), StatusForm())


def _render_member(member: Any, form: StatusForm, code: int = 200) -> tuple[str, int]:
    run = queries.latest_run()
    breakdown = queries.breakdown(member.id, run)
    runs = console_queries.score_runs(member.id)
    return render_template(
        "ambassadors/member.html",
        member=member,
        status=services.status_of(member.id),
        breakdown=breakdown,
        score_runs=runs,
        score_chart=console_charts.score_chart(runs),
        weightiest=console_queries.weightiest_part(breakdown),
        history=queries.history(member.id),
        run=run,
        form=form,
        reason_labels=queries.REASON_LABELS,
    ), code


@blueprint.post("/manage/ambassadors/u/<username>/status")
@requires("ambassador.manage")
def set_status(username: str) -> Any:
    member = _member_or_404(username)
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_member(member, form, 422)
    try:
        if form.status.data == "unpin":
            services.unpin(current_user, member, form.reason.data or "")
        else:
            services.set_status_by_hand(
                current_user, member, form.status.data or "", form.reason.data or ""
            )
    except AmbassadorError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        form.reason.errors = [*form.reason.errors, str(error.message)]
        return _render_member(member, form, 422)
    commit()
    flash(_("Saved: the nightly job will not change this decision until it is unpinned.")
          if form.status.data != "unpin" else _("Unpinned: the nightly job decides again."),
          "success")  # fmt: skip
    return redirect(url_for("ambassadors.member", username=member.username))
