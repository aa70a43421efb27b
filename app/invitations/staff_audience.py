"""The staff console's audience builder and send confirmation (/staff/campaigns/<id>/...).

The audience's size and sample are recomputed on each view (audience.count/sample):
members join and leave segments every night. Sending is one POST that calls
sending.send() and commits once; the campaign's row lock makes a double click or two
staff at once give one send.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.ambassadors.models import SEGMENTS
from app.badges.catalogue import RULES, TIERS
from app.badges.leaderboard import PERIODS
from app.badges.levels import NAMES as LEVEL_NAMES
from app.core.events import commit
from app.core.permissions import requires
from app.extensions import db
from app.forum.models import Category
from app.invitations import audience, campaigns, sending, staff_queries
from app.invitations.audience import AudienceError, Criteria
from app.invitations.errors import CampaignError
from app.invitations.models import DRAFT, SCHEDULED, Campaign
from app.invitations.staff_forms import ActionForm, AudienceForm, ListForm, uploaded_text
from app.invitations.staff_views import back_to, blueprint, campaign_or_404, failed

SEGMENT_LABELS = {
    "ambassador": _l("Ambassadors"),
    "rising": _l("Ambassadors in the making"),
    "opportunist": _l("Opportunists"),
}
PERIOD_LABELS = {"week": _l("the last week"), "month": _l("the last month"),
                 "year": _l("the last year"), "all": _l("all time")}  # fmt: skip
TIER_LABELS = {"bronze": _l("Bronze"), "silver": _l("Silver"), "gold": _l("Gold")}
LANGUAGE_LABELS = {"fr": "Français", "en": "English"}
SAMPLE = 20
MAX_UPLOAD = 10_000_000  # bytes of a chosen file
SHOWN_ERRORS = 200


def _as_choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _choices(form: AudienceForm, campaign: Campaign) -> None:
    anyone = [("", _l("Anyone"))]
    c = _as_choices
    categories = db.session.execute(
        select(Category.id, Category.name).order_by(Category.position, Category.name)
    ).all()
    by_category = [(str(row.id), row.name) for row in categories]
    form.segments.choices = c([(s, SEGMENT_LABELS[s]) for s in SEGMENTS])
    form.badge.choices = c(anyone + [(rule.slug, rule.name) for rule in RULES
                                   if rule.scope != "category"])  # fmt: skip
    form.expert_category_id.choices = c(anyone + by_category)
    form.expert_min_tier.choices = c([(t, TIER_LABELS[t]) for t in TIERS])
    form.top_category_id.choices = c(anyone + by_category)
    form.top_period.choices = c([(p, PERIOD_LABELS[p]) for p in PERIODS])
    levels = [key for key, _threshold in current_app.config["LEVELS"]]
    form.min_level.choices = c(anyone + [(k, LEVEL_NAMES.get(k, k)) for k in levels])
    languages = current_app.config["LANGUAGES"]
    named = [(code, LANGUAGE_LABELS.get(code, code)) for code in languages]
    form.language.choices = c(anyone + named)
    past = staff_queries.past_campaigns(campaign.id)
    form.attended_campaign_ids.choices = c([(str(i), en or fr) for i, en, fr in past])


def _fill(form: AudienceForm, criteria: Criteria) -> None:
    form.segments.data = list(criteria.segments)
    form.helpers.data = criteria.helpers
    form.badge.data = criteria.badge or ""
    form.expert_category_id.data = str(criteria.expert_category_id or "")
    form.expert_min_tier.data = criteria.expert_min_tier
    form.top_category_id.data = str(criteria.top_category_id or "")
    form.top_count.data = criteria.top_count or None
    form.top_period.data = criteria.top_period
    form.min_level.data = criteria.min_level or ""
    form.language.data = criteria.language or ""
    form.attended_any.data = criteria.attended_any
    form.attended_campaign_ids.data = [str(i) for i in criteria.attended_campaign_ids]
    form.listed.data = criteria.listed
    form.not_invited_within_days.data = criteria.not_invited_within_days


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _criteria(form: AudienceForm) -> Criteria:
    top = _id(form.top_category_id.data)
    return Criteria(
        segments=tuple(form.segments.data or ()),
        helpers=bool(form.helpers.data),
        badge=form.badge.data or None,
        expert_category_id=_id(form.expert_category_id.data),
        expert_min_tier=form.expert_min_tier.data or "bronze",
        top_category_id=top,
        top_count=(form.top_count.data or 0) if top is not None else 0,
        top_period=form.top_period.data or "all",
        min_level=form.min_level.data or None,
        language=form.language.data or None,
        attended_any=bool(form.attended_any.data),
        attended_campaign_ids=tuple(int(v) for v in form.attended_campaign_ids.data or ()),
        listed=bool(form.listed.data),
        not_invited_within_days=form.not_invited_within_days.data,
    )


def _stored(campaign: Campaign) -> Criteria:
    try:
        return Criteria.from_json(campaign.audience)
    except (AudienceError, TypeError):
        return Criteria()


def _render(campaign: Campaign, form: AudienceForm, list_form: ListForm, status: int = 200,
            report: Any = None) -> tuple[str, int]:  # fmt: skip
    criteria = _stored(campaign)
    return render_template(
        "invitations/staff/audience.html", campaign=campaign, form=form, list_form=list_form,
        size=audience.count(criteria, campaign.id),
        sample=audience.sample(criteria, SAMPLE, campaign.id), report=report,
        shown_errors=SHOWN_ERRORS, editable=campaign.state == DRAFT,
    ), status  # fmt: skip


@blueprint.route("/campaigns/<int:campaign_id>/audience", methods=["GET", "POST"])
@requires("campaign.send")
def audience_page(campaign_id: int) -> Any:
    campaign = campaign_or_404(campaign_id)
    form = AudienceForm()
    _choices(form, campaign)
    if request.method == "GET":
        _fill(form, _stored(campaign))
    elif form.validate_on_submit():
        try:
            campaigns.set_audience(current_user, campaign, _criteria(form))
        except CampaignError as error:
            failed(error, form, "segments")
            campaign = campaign_or_404(campaign_id)
        else:
            commit()
            flash(_("Audience saved."), "success")
            return redirect(url_for("staff.audience_page", campaign_id=campaign.id))
    return _render(campaign, form, ListForm(formdata=None), 422 if form.errors else 200)


def _uploaded_text(form: ListForm, name: str) -> str | None:
    """The chosen file's text (UTF-8), else the text area's; None after a form error."""
    return uploaded_text(form.members, name, MAX_UPLOAD,
                         _("This file is too large (at most 10 MB)."),
                         _("This file is not UTF-8 text: save it as CSV UTF-8."))  # fmt: skip


@blueprint.post("/campaigns/<int:campaign_id>/audience/list")
@requires("campaign.send")
def upload_list(campaign_id: int) -> Any:
    campaign = campaign_or_404(campaign_id)
    form = ListForm()
    audience_form = AudienceForm(formdata=None)
    _choices(audience_form, campaign)
    _fill(audience_form, _stored(campaign))
    text = _uploaded_text(form, "members_file") if form.validate_on_submit() else None
    if text is None or "\x00" in text:
        if text is not None:
            form.members.errors = [_("This file holds a NUL character: it is not a CSV.")]
        return _render(campaign, audience_form, form, 422)
    try:
        report = campaigns.upload_list(current_user, campaign, text)
    except CampaignError as error:
        failed(error, form, "members")
        return _render(campaign_or_404(campaign_id), audience_form, form, 422)
    commit()
    audience_form.listed.data = True
    flash(_("List saved: %(kept)s members kept, %(bad)s rows not used.", kept=report.kept,
            bad=len(report.errors)), "success" if not report.errors else "info")  # fmt: skip
    return _render(campaign, audience_form, ListForm(formdata=None), report=report)


@blueprint.get("/campaigns/<int:campaign_id>/send")
@requires("campaign.send")
def confirm_send(campaign_id: int) -> Any:
    campaign = campaign_or_404(campaign_id)
    if campaign.state not in (DRAFT, SCHEDULED):
        flash(_("This campaign has been sent already."), "info")
        return back_to(campaign)
    criteria = _stored(campaign)
    return render_template(
        "invitations/staff/send.html", campaign=campaign, form=ActionForm(formdata=None),
        size=audience.count(criteria, campaign.id),
        emailed=staff_queries.email_count(criteria, campaign.id),
        sample=audience.sample(criteria, SAMPLE, campaign.id),
    )  # fmt: skip


@blueprint.post("/campaigns/<int:campaign_id>/send")
@requires("campaign.send")
def send(campaign_id: int) -> Response:
    campaign = campaign_or_404(campaign_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("staff.confirm_send", campaign_id=campaign.id))
    try:
        result = sending.send(campaign.id, actor_id=current_user.id)
    except CampaignError as error:
        failed(error)
        return redirect(url_for("staff.confirm_send", campaign_id=campaign_id))
    commit()
    if result.sent:
        invited = ngettext("Sent: %(num)s member invited.", "Sent: %(num)s members invited.",
                           result.invited)  # fmt: skip
        emailed = ngettext("%(num)s email queued.", "%(num)s emails queued.", result.emailed)
        flash(f"{invited} {emailed}", "success")
    else:
        flash(_("This campaign has been sent already."), "info")
    return back_to(campaign)
