"""The staff console (/staff): the campaign list, a campaign's page and its life cycle.

Every page needs ``campaign.send``. Each POST calls one service (which checks the
state and writes the audit log) and commits once. The audience and send pages are in
staff_audience.py, offer codes and survey questions in staff_content.py; the people
and results tabs are another blueprint's (``staff_results``), linked when registered.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import submissions
from app.core.events import commit
from app.core.permissions import requires
from app.core.text import cook
from app.extensions import db
from app.invitations import campaigns, lookups, offers, reminders, spaces, staff_queries
from app.invitations.errors import CampaignError
from app.invitations.models import CAMPAIGN_STATES, EVENT_KINDS, KINDS, SPACE_KINDS, Campaign
from app.invitations.staff_forms import (
    ActionForm,
    CampaignForm,
    CancelForm,
    CodesForm,
    DuplicateForm,
    QuestionForm,
    ScheduleForm,
    zone_name,
)

blueprint = Blueprint("staff", __name__, url_prefix="/staff")

KIND_LABELS = {
    "event": _l("Event"),
    "preview": _l("Product preview"),
    "survey": _l("Survey"),
    "workshop": _l("Co-creation workshop"),
    "offer": _l("Exclusive offer"),
}
STATE_LABELS = {
    "draft": _l("Draft"),
    "scheduled": _l("Scheduled"),
    "sending": _l("Sending"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
}
# The campaign page's tabs; a tab shows only when its endpoint is registered (the people
# and results pages are the staff_results blueprint's).
TABS = (
    ("staff.campaign", _l("Overview")),
    ("staff_results.people", _l("People")),
    ("staff_results.results_page", _l("Results")),
)


@blueprint.context_processor
def _labels() -> dict[str, Any]:
    return {"kind_labels": KIND_LABELS, "state_labels": STATE_LABELS, "zone_name": zone_name,
            "staff_tabs": staff_tabs, "cook": cook, "title_of": title_of}  # fmt: skip


def title_of(campaign: Campaign) -> str:
    """The campaign's title in the reader's language (the other one when it is empty)."""
    return campaign.title(str(get_locale() or "")) or _("Untitled campaign")


def staff_tabs(campaign: Campaign) -> list[tuple[str, str, Any]]:
    """(endpoint, URL, label) of the campaign page's tabs that exist in this app."""
    registered = current_app.view_functions
    return [
        (endpoint, url_for(endpoint, campaign_id=campaign.id), label)
        for endpoint, label in TABS
        if endpoint in registered
    ]


def campaign_or_404(campaign_id: int) -> Campaign:
    campaign = lookups.campaign_by_id(campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def failed(error: CampaignError, form: Any = None, default: str | None = None) -> None:
    """Roll back, then show the error on its field (or the form's first, or a flash)."""
    db.session.rollback()
    if error.status in (403, 404):
        abort(error.status)
    field = form[error.field] if form is not None and error.field in form else None
    if field is None and form is not None and default is not None:
        field = form[default]
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


def back_to(campaign: Campaign) -> Response:
    return redirect(url_for("staff.campaign", campaign_id=campaign.id))


def refused(error: CampaignError, campaign: Campaign) -> Response:
    """A button's action that the service refused: the message on the campaign page."""
    failed(error)
    return back_to(campaign)


@blueprint.get("/")
@blueprint.get("/campaigns")
@requires("campaign.send")
def campaigns_list() -> str:
    state = request.args.get("state") or None
    if state is not None and state not in CAMPAIGN_STATES:
        abort(404)
    page = request.args.get("page", 1, type=int) or 1
    if not 1 <= page <= 100_000:
        abort(404)
    found = staff_queries.campaign_page(state, page)
    return render_template("invitations/staff/list.html", found=found, state=state,
                           states=CAMPAIGN_STATES)  # fmt: skip


@blueprint.get("/campaigns/new")
@requires("campaign.send")
def choose_kind() -> str:
    return render_template("invitations/staff/choose_kind.html", kinds=KINDS)


@blueprint.route("/campaigns/new/<kind>", methods=["GET", "POST"])
@requires("campaign.send")
def new_campaign(kind: str) -> Any:
    if kind not in KINDS:
        abort(404)
    form = CampaignForm()
    if form.validate_on_submit():
        if sent_before := submissions.first_result(form.submission.data):
            return redirect(sent_before)
        try:
            campaign = campaigns.create(current_user, kind, **form.values(kind in EVENT_KINDS))
        except CampaignError as error:
            failed(error, form, "title_en")
        else:
            result = url_for("staff.campaign", campaign_id=campaign.id)
            submissions.remember(result)
            commit()
            flash(_("Draft saved. Choose its audience, then send it."), "success")
            return redirect(result)
    return render_template("invitations/staff/edit.html", form=form, kind=kind,
                           campaign=None), 422 if form.errors else 200  # fmt: skip


@blueprint.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@requires("campaign.send")
def edit_campaign(campaign_id: int) -> Any:
    campaign = campaign_or_404(campaign_id)
    if campaign.state != "draft":
        flash(_("Only drafts can be changed. Unschedule it first, or duplicate it."), "error")
        return back_to(campaign)
    form = CampaignForm(obj=campaign)
    if form.validate_on_submit():
        try:
            values = form.values(campaign.kind in EVENT_KINDS)
            campaigns.update_draft(current_user, campaign, **values)
        except CampaignError as error:
            failed(error, form, "title_en")
            campaign = campaign_or_404(campaign_id)
        else:
            commit()
            flash(_("Draft saved."), "success")
            return back_to(campaign)
    return render_template("invitations/staff/edit.html", form=form, kind=campaign.kind,
                           campaign=campaign), 422 if form.errors else 200  # fmt: skip


def render_campaign(campaign: Campaign, status: int = 200, **forms: Any) -> tuple[str, int]:
    """The campaign page, with the forms its state offers (those given keep their errors)."""
    forms.setdefault("action", ActionForm(formdata=None))
    forms.setdefault("duplicate", DuplicateForm(formdata=None))
    forms.setdefault("schedule", ScheduleForm(formdata=None))
    forms.setdefault("cancel", CancelForm(formdata=None))
    forms.setdefault("codes", CodesForm(formdata=None))
    forms.setdefault("question", QuestionForm(formdata=None))
    survey = campaign.kind == "survey"
    return render_template(
        "invitations/staff/campaign.html",
        campaign=campaign,
        forms=forms,
        questions=staff_queries.questions(campaign.id) if survey else [],
        codes_left=offers.codes_left(campaign.id) if campaign.kind == "offer" else None,
        event=campaign.kind in EVENT_KINDS,
        space_kind=campaign.kind in SPACE_KINDS,
        space=spaces.space_of(campaign) if campaign.kind in SPACE_KINDS else None,
    ), status


@blueprint.get("/campaigns/<int:campaign_id>")
@requires("campaign.send")
def campaign(campaign_id: int) -> tuple[str, int]:
    return render_campaign(campaign_or_404(campaign_id))


@blueprint.post("/campaigns/<int:campaign_id>/schedule")
@requires("campaign.send")
def schedule(campaign_id: int) -> Any:
    campaign = campaign_or_404(campaign_id)
    form = ScheduleForm()
    if not form.validate_on_submit() or form.scheduled_at.data is None:
        return render_campaign(campaign, 422, schedule=form)
    try:
        campaigns.schedule(current_user, campaign, form.scheduled_at.data)
    except CampaignError as error:
        failed(error, form, "scheduled_at")
        return render_campaign(campaign_or_404(campaign_id), 422, schedule=form)
    commit()
    flash(_("Scheduled: it will be sent at the time chosen."), "success")
    return back_to(campaign)


def press_button(campaign_id: int, act: Any, done: str) -> Response:
    """A plain button's POST: check the form, act, commit, say it was done."""
    campaign = campaign_or_404(campaign_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return back_to(campaign)
    try:
        message = act(campaign)
    except CampaignError as error:
        return refused(error, campaign)
    commit()
    flash(message or done, "success")
    return back_to(campaign)


@blueprint.post("/campaigns/<int:campaign_id>/unschedule")
@requires("campaign.send")
def unschedule(campaign_id: int) -> Response:
    done = _("Back to draft: it will not be sent until you send or schedule it.")
    return press_button(campaign_id, lambda c: campaigns.unschedule(current_user, c), done)


@blueprint.post("/campaigns/<int:campaign_id>/close")
@requires("campaign.send")
def close(campaign_id: int) -> Response:
    return press_button(campaign_id, lambda c: campaigns.close(current_user, c),
                   _("Closed: it takes no more replies."))  # fmt: skip


def _remind(campaign: Campaign) -> str:
    queued = reminders.remind(current_user, campaign.id)
    return ngettext("Reminder sent: %(num)s email queued.", "Reminder sent: %(num)s emails queued.",
                    queued)  # fmt: skip


@blueprint.post("/campaigns/<int:campaign_id>/remind")
@requires("campaign.send")
def remind(campaign_id: int) -> Response:
    return press_button(campaign_id, _remind, "")


@blueprint.post("/campaigns/<int:campaign_id>/cancel")
@requires("campaign.send")
def cancel(campaign_id: int) -> Any:
    campaign = campaign_or_404(campaign_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return render_campaign(campaign, 422, cancel=form)
    try:
        told = campaigns.cancel(current_user, campaign, form.reason.data or "")
    except CampaignError as error:
        return refused(error, campaign)
    commit()
    flash(ngettext("Cancelled. %(num)s member who had accepted was told.",
                   "Cancelled. %(num)s members who had accepted were told.", told),
          "success")  # fmt: skip
    return back_to(campaign)


@blueprint.post("/campaigns/<int:campaign_id>/duplicate")
@requires("campaign.send")
def duplicate(campaign_id: int) -> Response:
    campaign = campaign_or_404(campaign_id)
    form = DuplicateForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return back_to(campaign)
    if sent_before := submissions.first_result(form.submission.data):
        return redirect(sent_before)
    try:
        copy = campaigns.duplicate(current_user, campaign)
    except CampaignError as error:
        return refused(error, campaign)
    result = url_for("staff.campaign", campaign_id=copy.id)
    submissions.remember(result)
    commit()
    flash(_("A new draft, copied from “%(title)s”.", title=campaign.title_en or campaign.title_fr),
          "success")  # fmt: skip
    return redirect(result)
