"""A campaign's people and results pages for brand staff, under /staff/campaigns/<id>.

The people page lists the invited members with their answer, their email's delivery
and what staff can do for each (mark present, remove), and the check-in box a QR
scanner types into. The results page holds the funnel, the delivery of the campaign's
mail and, for a survey, the answers per question. Both export CSV (app/core/csvsafe.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
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
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from app.core import csvsafe
from app.core.clock import now_utc
from app.core.events import commit
from app.core.permissions import requires
from app.core.templating import current_locale
from app.extensions import db
from app.invitations import attendance, lookups, replies, results, survey_report
from app.invitations.errors import CampaignError
from app.invitations.models import DECLINED, REMOVED, Campaign, Invitation
from app.invitations.results_forms import AttendForm, CheckinForm, RemoveForm
from app.invitations.staff_views import campaign_or_404
from app.invitations.tokens import checkin_member

blueprint = Blueprint("staff_results", __name__, url_prefix="/staff/campaigns")
OVERVIEW_ENDPOINT = "staff.campaign"  # the staff console's campaign page (staff_views.py)
MAX_PAGE = 100_000
PEOPLE_CSV_COLUMNS = ("username", "email", "language", "state", "waitlist_position",
                      "replied_at", "attended_at", "email_status")  # fmt: skip


def _page_number(name: str = "page") -> int:
    page = request.args.get(name, 1, type=int) or 1
    if not 1 <= page <= MAX_PAGE:
        abort(404)
    return page


def _filters() -> dict[str, Any]:
    """The people page's filters from the query string (an unknown state is a 404)."""
    state = request.args.get("state") or None
    if state is not None and state not in results.PEOPLE_STATES:
        abort(404)
    name = " ".join((request.args.get("q") or "").split())[:64] or None
    return {"state": state, "q": name}


def _back_to_people(campaign_id: int) -> Response:
    """The people page again, with the filters and page the action was taken from."""
    kept = {key: value for key, value in _filters().items() if value}
    page = _page_number()
    if page > 1:
        kept["page"] = page
    return redirect(url_for("staff_results.people", campaign_id=campaign_id, **kept))


def _action_args(filters: dict[str, Any], page: int) -> dict[str, Any]:
    """What a row's form carries back: the filters and page it was posted from."""
    kept = {key: value for key, value in filters.items() if value}
    return {**kept, "page": page} if page > 1 else kept


def tabs(campaign: Campaign, current: str) -> dict[str, Any]:
    """The tabs at the top of a campaign's pages; the overview is the staff console's."""
    if OVERVIEW_ENDPOINT in current_app.view_functions:
        overview = url_for(OVERVIEW_ENDPOINT, campaign_id=campaign.id)
    else:
        overview = f"/staff/campaigns/{campaign.id}"
    return {"campaign": campaign, "current": current, "overview_url": overview}


def _render_people(
    campaign: Campaign,
    checkin: CheckinForm | None = None,
    remove_errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    filters = _filters()
    per_page = current_app.config.get("CAMPAIGN_PEOPLE_PER_PAGE", results.PER_PAGE)
    rows = results.people(campaign.id, filters["state"], filters["q"], _page_number(), per_page)
    return render_template(
        "invitations/staff_results/people.html",
        tabs=tabs(campaign, "people"),
        campaign=campaign,
        rows=rows,
        filters=filters,
        page_args={key: value for key, value in filters.items() if value},
        action_args=_action_args(filters, rows.page),
        states=results.PEOPLE_STATES,
        counts=results.state_counts(campaign.id),
        checkin=checkin or CheckinForm(formdata=None),
        attend_form=AttendForm(formdata=None),
        remove_form=RemoveForm(formdata=None),
        remove_errors=remove_errors or {},
        language=current_locale(),
    ), status


@blueprint.get("/<int:campaign_id>/people")
@requires("campaign.send")
def people(campaign_id: int) -> tuple[str, int]:
    return _render_people(campaign_or_404(campaign_id))


@blueprint.post("/<int:campaign_id>/checkin")
@requires("campaign.send")
def checkin(campaign_id: int) -> Any:
    """A scanned or typed check-in code: the member is marked present (once)."""
    campaign = campaign_or_404(campaign_id)
    form = CheckinForm()
    if not form.validate_on_submit():
        return _render_people(campaign, checkin=form, status=422)
    return _mark(campaign, form.code.data or "")


@blueprint.post("/<int:campaign_id>/people/<int:invitation_id>/attend")
@requires("campaign.send")
def attend(campaign_id: int, invitation_id: int) -> Any:
    """The row's "present" button: the same as scanning the member's code."""
    campaign = campaign_or_404(campaign_id)
    invitation = _invitation_or_404(campaign, invitation_id)
    if not AttendForm().validate_on_submit():
        abort(400)
    return _mark(campaign, invitation.checkin_code)


def _invitation_or_404(campaign: Campaign, invitation_id: int) -> Invitation:
    invitation = lookups.invitation_by_id(invitation_id)
    if invitation is None or invitation.campaign_id != campaign.id:
        abort(404)
    return invitation


def _member_name(invitation: Invitation) -> str:
    member = lookups.member_by_id(invitation.user_id)
    return member.username if member else "?"


def _mark(campaign: Campaign, code: str) -> Any:
    at = now_utc()
    try:
        invitation = attendance.mark_attended(current_user, campaign.id, code, at=at)
    except CampaignError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        flash(_refusal(campaign, code, error), "error")
        return _back_to_people(campaign.id)
    name = _member_name(invitation)
    if invitation.attended_at != at:
        db.session.rollback()
        when = invitation.attended_at
        flash(_("%(name)s was already checked in (%(time)s): nothing changed.", name=name,
                time=_time(when)), "notice")  # fmt: skip
        return _back_to_people(campaign.id)
    commit()
    flash(_("%(name)s is checked in.", name=name), "success")
    return _back_to_people(campaign.id)


def _time(moment: datetime | None) -> str:
    return format_datetime(moment, "short") if moment else ""


def _refusal(campaign: Campaign, code: str, error: CampaignError) -> str:
    """What the door should hear: who declined or was removed, or an unknown code."""
    if error.status != 409:
        return _("Unknown check-in code: no invitation of this campaign has it.")
    user_id = checkin_member(code.strip().lower())
    invitation = lookups.invitation_of(campaign.id, user_id)
    if invitation is None:
        return str(error.message)
    name = _member_name(invitation)
    if invitation.state == DECLINED:
        return _("%(name)s declined this invitation: not checked in.", name=name)
    if invitation.state == REMOVED:
        return _("%(name)s was removed from this campaign: not checked in.", name=name)
    return str(error.message)


@blueprint.post("/<int:campaign_id>/people/<int:invitation_id>/remove")
@requires("campaign.send")
def remove(campaign_id: int, invitation_id: int) -> Any:
    """Take a member off the campaign; the first on the waitlist gets the seat."""
    campaign = campaign_or_404(campaign_id)
    invitation = _invitation_or_404(campaign, invitation_id)
    form = RemoveForm()
    if not form.validate_on_submit():
        errors = [str(e) for e in form.reason.errors] or [_("Say why: the audit log keeps it.")]
        return _render_people(campaign, remove_errors={invitation.id: errors}, status=422)
    name = _member_name(invitation)
    try:
        replies.remove(current_user, invitation.id, form.reason.data or "")
    except CampaignError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        flash(str(error.message), "error")
        return _back_to_people(campaign.id)
    commit()
    flash(_("%(name)s was removed from the campaign.", name=name), "success")
    return _back_to_people(campaign.id)


def _csv_file(header: Iterable[str], rows: Iterable[Iterable[Any]], filename: str) -> Response:
    """Rows streamed from the database into a spooled file (csvsafe.rows_download): a
    large campaign never sits in memory."""
    return csvsafe.rows_download(header, rows, filename)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


@blueprint.get("/<int:campaign_id>/people.csv")
@requires("campaign.send")
def people_csv(campaign_id: int) -> Response:
    campaign = campaign_or_404(campaign_id)
    offer = campaign.kind == "offer"
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    state = _filters()["state"]

    def rows() -> Iterable[list[Any]]:
        for person in results.every_person(campaign.id, state):
            row = [person.username, person.email, person.language or default, person.state,
                   person.waitlist_position if person.waitlist_position is not None else "",
                   _iso(person.replied_at), _iso(person.attended_at),
                   person.email_status or ("" if person.emailed else "not_emailed")]  # fmt: skip
            yield [*row, person.offer_code or ""] if offer else row

    header = [*PEOPLE_CSV_COLUMNS, "offer_code"] if offer else list(PEOPLE_CSV_COLUMNS)
    return _csv_file(header, rows(), f"tribune-campaign-{campaign.id}-people.csv")


@blueprint.get("/<int:campaign_id>/results")
@requires("campaign.send")
def results_page(campaign_id: int) -> str:
    campaign = campaign_or_404(campaign_id)
    texts_page = _page_number("texts")
    survey = None
    if campaign.kind == "survey":
        survey = {
            "questions": survey_report.report(campaign.id, current_locale(), texts_page),
            "responses": survey_report.responses_count(campaign.id),
            "texts_page": texts_page,
        }
    return render_template(
        "invitations/staff_results/results.html",
        tabs=tabs(campaign, "results"),
        campaign=campaign,
        funnel=results.funnel(campaign.id),
        delivery=results.delivery(campaign.id),
        track_opens=bool(current_app.config.get("MAIL_TRACK_OPENS")),
        survey=survey,
        language=current_locale(),
    )


@blueprint.get("/<int:campaign_id>/results.csv")
@requires("campaign.send")
def results_csv(campaign_id: int) -> Response:
    """A survey's answers, one row per response and question."""
    campaign = campaign_or_404(campaign_id)
    if campaign.kind != "survey":
        abort(404)
    rows = survey_report.csv_rows(campaign.id, current_locale())
    return _csv_file(survey_report.CSV_COLUMNS, rows, f"tribune-campaign-{campaign.id}-survey.csv")
