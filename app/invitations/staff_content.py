"""What a campaign offers, edited on its staff page: offer codes and survey questions."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import submissions
from app.core.events import commit
from app.core.permissions import requires
from app.invitations import offers, surveys
from app.invitations.errors import CampaignError
from app.invitations.staff_forms import ActionForm, CodesForm, MoveForm, QuestionForm, uploaded_text
from app.invitations.staff_views import (
    back_to,
    blueprint,
    campaign_or_404,
    failed,
    refused,
    render_campaign,
)

MAX_UPLOAD = 2_000_000  # bytes of a chosen file of codes


def _codes_text(form: CodesForm) -> str | None:
    text = uploaded_text(form.codes, "codes_file", MAX_UPLOAD,
                         _("This file is too large (at most 2 MB)."),
                         _("This file is not UTF-8 text."))  # fmt: skip
    if text is None:
        return None
    if any(ord(c) < 32 and c not in "\r\n\t" for c in text):
        form.codes.errors = [_("This file holds control characters: it is not a list of codes.")]
        return None
    return text


@blueprint.post("/campaigns/<int:campaign_id>/codes")
@requires("campaign.send")
def upload_codes(campaign_id: int) -> Any:
    campaign = campaign_or_404(campaign_id)
    form = CodesForm()
    text = _codes_text(form) if form.validate_on_submit() else None
    if text is None:
        return render_campaign(campaign, 422, codes=form)
    try:
        report = offers.upload_codes(current_user, campaign.id, text)
    except CampaignError as error:
        failed(error, form, "codes")
        return render_campaign(campaign_or_404(campaign_id), 422, codes=form)
    commit()
    flash(ngettext("%(num)s code added.", "%(num)s codes added.", report.added), "success")
    if report.already_there:
        flash(ngettext("%(num)s code was there already (kept once).",
                       "%(num)s codes were there already (kept once).",
                       report.already_there), "info")  # fmt: skip
    if report.too_long_lines:
        lines = ", ".join(str(n) for n in report.too_long_lines[:50])
        flash(_("Lines not used (a code is at most 64 characters): %(lines)s.", lines=lines),
              "error")  # fmt: skip
    return back_to(campaign)


@blueprint.post("/campaigns/<int:campaign_id>/questions")
@requires("campaign.send")
def add_question(campaign_id: int) -> Any:
    campaign = campaign_or_404(campaign_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        return render_campaign(campaign, 422, question=form)
    if sent_before := submissions.first_result(form.submission.data):
        return redirect(sent_before)
    try:
        surveys.add_question(current_user, campaign.id, form.kind.data or "",
                             form.prompt_en.data or "", form.prompt_fr.data or "",
                             form.parsed_choices(), bool(form.required.data))  # fmt: skip
    except CampaignError as error:
        failed(error, form, "prompt_en")
        return render_campaign(campaign_or_404(campaign_id), 422, question=form)
    submissions.remember(url_for("staff.campaign", campaign_id=campaign.id))
    commit()
    flash(_("Question added."), "success")
    return back_to(campaign)


@blueprint.post("/campaigns/<int:campaign_id>/questions/<int:question_id>/remove")
@requires("campaign.send")
def remove_question(campaign_id: int, question_id: int) -> Response:
    campaign = campaign_or_404(campaign_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return back_to(campaign)
    try:
        surveys.remove_question(current_user, campaign.id, question_id)
    except CampaignError as error:
        return refused(error, campaign)
    commit()
    flash(_("Question removed."), "success")
    return back_to(campaign)


@blueprint.post("/campaigns/<int:campaign_id>/questions/<int:question_id>/move")
@requires("campaign.send")
def move_question(campaign_id: int, question_id: int) -> Response:
    campaign = campaign_or_404(campaign_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash(_("Move a question up or down."), "error")
        return back_to(campaign)
    try:
        surveys.move_question(current_user, campaign.id, question_id, form.direction.data or "")
    except CampaignError as error:
        return refused(error, campaign)
    commit()
    return back_to(campaign)
