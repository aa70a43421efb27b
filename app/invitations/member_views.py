"""The members' side of campaigns: their invitations, one invitation (answer, calendar
file, check-in code, survey, offer code), and the invitations' account settings.

The emailed links (answer, unsubscribe) are in link_views.py, on this blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import User
from app.core.events import commit
from app.core.forms import TribuneForm
from app.extensions import db
from app.invitations import calendar, lookups, member_pages, offers, opt_outs, replies, surveys
from app.invitations.errors import CampaignError
from app.invitations.member_forms import SettingsForm, answers, field_name, survey_form
from app.invitations.models import (
    CANCELLED,
    CLOSED,
    EVENT_KINDS,
    SEATED,
    Campaign,
    Invitation,
    SurveyQuestion,
)

blueprint = Blueprint("invitations", __name__, url_prefix="/invitations")


def language() -> str:
    return str(get_locale() or "")


def _own(invitation_id: int) -> tuple[Invitation, Campaign]:
    found = member_pages.find(current_user.id, invitation_id)
    if found is None:
        abort(404)
    return found


@blueprint.get("")
@login_required
def index() -> Any:
    groups = member_pages.groups_for(current_user.id)
    return render_template("invitations/member/index.html", groups=groups, lang=language())


@blueprint.get("/campaign/<int:campaign_id>")
@login_required
def by_campaign(campaign_id: int) -> Any:
    """Where a notification about a whole campaign (its cancellation) leads each member."""
    invitation_id = member_pages.for_campaign(current_user.id, campaign_id)
    if invitation_id is None:
        abort(404)
    return redirect(url_for("invitations.show", invitation_id=invitation_id))


def _questions(campaign: Campaign) -> list[SurveyQuestion]:
    if campaign.kind != "survey":
        return []
    return lookups.survey_questions(campaign.id)


def _closed_message(invitation: Invitation, campaign: Campaign) -> str | None:
    """Why the member can no longer answer, or None while they can."""
    if campaign.state == CANCELLED:
        return _("This campaign was cancelled.")
    if campaign.state == CLOSED:
        return _("This campaign is closed: it no longer takes answers.")
    if member_pages.deadline_passed(campaign):
        return _("The time to answer this invitation has passed.")
    if not member_pages.can_answer(invitation, campaign):
        return _("This invitation can no longer be answered.")
    return None


def _page(invitation: Invitation, campaign: Campaign, survey: Any = None, status: int = 200):
    lang, name = language(), current_user.username
    questions = _questions(campaign)
    answered = campaign.kind == "survey" and member_pages.has_answered_survey(invitation.id)
    if questions and survey is None and not answered:
        survey = survey_form(questions, lang, formdata=None)
    seated = invitation.state in SEATED
    event = campaign.kind in EVENT_KINDS
    context = {
        "invitation": invitation,
        "campaign": campaign,
        "title": member_pages.text(campaign, "title", lang),
        "description": member_pages.cooked(campaign, "description", lang, name),
        "message": member_pages.cooked(campaign, "message", lang, name),
        "closed": _closed_message(invitation, campaign),
        "event": event,
        "seated": seated,
        "qr": calendar.qr_svg(invitation.checkin_code) if event and seated else None,
        "code": offers.code_for(invitation.id) if campaign.kind == "offer" and seated else None,
        "survey": survey if not answered else None,
        "questions": [(q, field_name(q)) for q in questions],
        "answered": answered,
        "answer_form": TribuneForm(formdata=None),
    }
    return render_template("invitations/member/show.html", **context), status


@blueprint.get("/<int:invitation_id>")
@login_required
def show(invitation_id: int) -> Any:
    invitation, campaign = _own(invitation_id)
    return _page(invitation, campaign)


@blueprint.post("/<int:invitation_id>/<any(accept, decline):answer>")
@login_required
def answer(invitation_id: int, answer: str) -> Any:
    _own(invitation_id)
    if not TribuneForm().validate_on_submit():
        abort(400)
    try:
        invitation = replies.reply(current_user, invitation_id, answer)
    except CampaignError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(str(error.message), "error")
        return redirect(url_for("invitations.show", invitation_id=invitation_id), 303)
    state = invitation.state
    commit()
    flash(_answer_notice(state, invitation.waitlist_position), "success")
    return redirect(url_for("invitations.show", invitation_id=invitation_id), 303)


def _answer_notice(state: str, position: int | None) -> str:
    if state == "waitlisted":
        return _("Every seat is taken: you are number %(n)s on the waitlist.", n=position)
    if state in SEATED:
        return _("You have accepted. See you there!")
    return _("You have declined this invitation.")


@blueprint.post("/<int:invitation_id>/survey")
@login_required
def survey(invitation_id: int) -> Any:
    invitation, campaign = _own(invitation_id)
    questions = _questions(campaign)
    if not questions:
        abort(404)
    form = survey_form(questions, language())
    if not form.validate_on_submit():
        return _page(invitation, campaign, survey=form, status=422)
    try:
        surveys.submit(current_user, invitation_id, answers(form, questions))
    except CampaignError as error:
        db.session.rollback()
        field = form[error.field] if error.field and error.field in form else None
        if field is not None:
            field.errors = [*field.errors, str(error.message)]
            return _page(invitation, campaign, survey=form, status=422)
        flash(str(error.message), "error")
        return redirect(url_for("invitations.show", invitation_id=invitation_id), 303)
    commit()
    flash(_("Thank you: your answers are recorded."), "success")
    return redirect(url_for("invitations.show", invitation_id=invitation_id), 303)


@blueprint.get("/<int:invitation_id>/event.ics")
@login_required
def event_ics(invitation_id: int) -> Any:
    invitation, campaign = _own(invitation_id)
    if not calendar.has_calendar(campaign) or invitation.state not in SEATED:
        abort(404)
    # The same bytes as the email's attachment (one calendar entry, however it arrives).
    response = Response(calendar.event_calendar(campaign, language()),
                        mimetype="text/calendar")  # fmt: skip
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{calendar.filename(campaign)}"'
    )
    return response


@blueprint.get("/<int:invitation_id>/checkin.svg")
@login_required
def checkin_svg(invitation_id: int) -> Any:
    """The check-in QR code alone, to print or save (the page shows it inline)."""
    invitation, campaign = _own(invitation_id)
    if campaign.kind not in EVENT_KINDS or invitation.state not in SEATED:
        abort(404)
    return Response(str(calendar.qr_svg(invitation.checkin_code)), mimetype="image/svg+xml")


# -- the account page's section, and the profile's ---------------------------------------


def account_section(member: User) -> dict[str, Any]:
    """The settings' form for the account page (filled from the database, not the request:
    the account page's own form may be what was posted)."""
    form = SettingsForm(formdata=None)
    form.campaign_email.data = not opt_outs.has_opted_out(member.id)
    form.attendance_on_profile.data = member_pages.shows_attendance(member.id)
    return {"form": form}


def profile_section(member: User) -> dict[str, Any]:
    """Events attended, only for members who chose to show them."""
    if not member_pages.shows_attendance(member.id):
        return {"attended": [], "lang": language()}
    return {"attended": member_pages.attended(member.id), "lang": language()}


@blueprint.post("/settings")
@login_required
def settings() -> Any:
    form = SettingsForm()
    if not form.validate_on_submit():
        flash(_("Your invitation settings could not be saved. Try again."), "error")
        return redirect(url_for("accounts.edit_profile"), 303)
    if form.campaign_email.data:
        opt_outs.opt_in(current_user.id)
    else:
        opt_outs.opt_out(current_user.id, "account")
    member_pages.set_shows_attendance(current_user.id, bool(form.attendance_on_profile.data))
    commit()
    flash(_("Your invitation settings are saved."), "success")
    return redirect(url_for("accounts.edit_profile"), 303)
