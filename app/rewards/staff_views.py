"""The staff's pages (/staff/rewards): the catalogue, a reward's form and its codes, and
the redemptions queue (deliver, cancel with a refund). Every page needs ``reward.manage``;
each POST calls one service (which audits and notifies) and commits once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import submissions
from app.core.events import commit
from app.core.forms import ActionForm
from app.core.permissions import requires
from app.core.text import cook
from app.extensions import db
from app.rewards import catalog, eligibility, fulfilment, pictures, queries
from app.rewards.errors import RewardError
from app.rewards.forms import CancelForm, CodesForm, DeliverForm, RewardForm
from app.rewards.models import REDEMPTION_STATES, REQUESTED, Reward

blueprint = Blueprint("reward_staff", __name__, url_prefix="/staff/rewards")
MAX_CODES_FILE = 2_000_000


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return {"lang": str(get_locale() or ""), "cook": cook, "who_may": eligibility.condition}


def _levels() -> int:
    return len(current_app.config["LEVELS"])


def _reward(reward_id: int) -> Reward:
    reward = queries.reward_by_id(reward_id)
    if reward is None:
        abort(404)
    return reward


def _failed(error: RewardError, form: Any) -> None:
    db.session.rollback()
    if error.status in (403, 404):
        abort(error.status)
    field = form[error.field] if error.field and error.field in form else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


@blueprint.get("")
@requires("reward.manage")
def index() -> Any:
    return render_template("rewards/staff/index.html", rows=queries.staff_list(),
                           action=ActionForm())  # fmt: skip


def _picture(form: RewardForm) -> tuple[bool, str | None]:
    """(ok, the stored picture's name) from the form's file part, if one was chosen."""
    upload = request.files.get("picture_file")
    if upload is None or not upload.filename:
        return True, None
    limit = int(current_app.config["REWARD_PICTURE_MAX_BYTES"])
    try:
        return True, pictures.store(upload.read(limit + 1))
    except RewardError as error:
        form.picture_errors = [str(error.message)]  # type: ignore[attr-defined]
        return False, None


def _edit_page(form: RewardForm, reward: Reward | None, status: int = 200) -> Any:
    codes = CodesForm(formdata=None) if reward is not None else None
    free = catalog.free_codes(reward.id) if reward is not None else 0
    return render_template("rewards/staff/edit.html", form=form, reward=reward,
                           codes_form=codes, free_codes=free,
                           picture_errors=getattr(form, "picture_errors", [])), status  # fmt: skip


@blueprint.route("/new", methods=["GET", "POST"])
@requires("reward.manage")
def new() -> Any:
    form = RewardForm()
    if not form.is_submitted():
        form.cost.data = form.cost.data or 100
        return _edit_page(form, None)
    if not form.validate():
        return _edit_page(form, None, 422)
    ok, picture = _picture(form)
    if not ok:
        return _edit_page(form, None, 422)
    if sent_before := submissions.first_result(form.submission.data):
        return redirect(sent_before, 303)
    try:
        reward = catalog.create(current_user, form.values(), _levels(), picture)
    except RewardError as error:
        _failed(error, form)
        return _edit_page(form, None, 422)
    result = url_for("reward_staff.edit", reward_id=reward.id)
    submissions.remember(result)
    commit()
    flash(_("Reward added to the catalogue."), "success")
    return redirect(result, 303)


@blueprint.route("/<int:reward_id>/edit", methods=["GET", "POST"])
@requires("reward.manage")
def edit(reward_id: int) -> Any:
    reward = _reward(reward_id)
    form = RewardForm(obj=None)
    if not form.is_submitted():
        _fill(form, reward)
        return _edit_page(form, reward)
    if not form.validate():
        return _edit_page(form, reward, 422)
    ok, picture = _picture(form)
    if not ok:
        return _edit_page(form, reward, 422)
    try:
        catalog.edit(current_user, reward.id, form.values(), _levels(), picture)
    except RewardError as error:
        _failed(error, form)
        return _edit_page(form, _reward(reward_id), 422)
    commit()
    flash(_("Reward saved."), "success")
    return redirect(url_for("reward_staff.edit", reward_id=reward.id), 303)


def _fill(form: RewardForm, reward: Reward) -> None:
    for name in ("title_en", "title_fr", "description_en", "description_fr", "cost", "stock",
                 "per_member_limit", "eligibility", "delivery"):  # fmt: skip
        form[name].data = getattr(reward, name)
    if reward.eligibility == "min_level":
        form.min_level.data = reward.eligibility_value
    elif reward.eligibility == "segment":
        form.segment.data = reward.eligibility_value


def _set_archived(reward_id: int, archived: bool) -> Response:
    _reward(reward_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    catalog.set_archived(current_user, reward_id, archived)
    commit()
    flash(_("Reward archived.") if archived else _("Reward back in the catalogue."), "success")
    return redirect(url_for("reward_staff.index"), 303)


@blueprint.post("/<int:reward_id>/archive")
@requires("reward.manage")
def archive(reward_id: int) -> Response:
    return _set_archived(reward_id, True)


@blueprint.post("/<int:reward_id>/unarchive")
@requires("reward.manage")
def unarchive(reward_id: int) -> Response:
    return _set_archived(reward_id, False)


@blueprint.post("/<int:reward_id>/codes")
@requires("reward.manage")
def upload_codes(reward_id: int) -> Any:
    reward = _reward(reward_id)
    form = CodesForm()
    if not form.validate_on_submit():
        abort(400)
    text = _codes_text(form)
    if text is None:
        flash(" ".join(str(e) for e in form.codes.errors), "error")
        return redirect(url_for("reward_staff.edit", reward_id=reward.id), 303)
    report = catalog.upload_codes(current_user, reward.id, text)
    commit()
    flash(ngettext("%(num)d code added.", "%(num)d codes added.", report.added), "success")
    _report_lines(report)
    return redirect(url_for("reward_staff.edit", reward_id=reward.id), 303)


def _report_lines(report: catalog.CodesReport) -> None:
    """Each kind of refused line, by line number (the first 50)."""

    def lines(found: tuple[int, ...]) -> str:
        return ", ".join(map(str, found[:50])) + (" …" if len(found) > 50 else "")

    if report.repeated_lines:
        flash(_("Refused, already earlier in the list: lines %(lines)s.",
                lines=lines(report.repeated_lines)), "error")  # fmt: skip
    if report.known_lines:
        flash(_("Refused, already uploaded: lines %(lines)s.", lines=lines(report.known_lines)),
              "error")  # fmt: skip
    if report.too_long_lines:
        flash(_("Refused, longer than 64 characters: lines %(lines)s.",
                lines=lines(report.too_long_lines)), "error")  # fmt: skip


def _codes_text(form: CodesForm) -> str | None:
    upload = request.files.get("codes_file")
    if upload is None or not upload.filename:
        return form.codes.data or ""
    raw = upload.read(MAX_CODES_FILE + 1)
    if len(raw) > MAX_CODES_FILE:
        form.codes.errors = [_("This file is too large (at most 2 MB).")]
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        form.codes.errors = [_("This file is not UTF-8 text.")]
        return None
    if "\x00" in text:
        form.codes.errors = [_("This file holds control characters: it is not a list of codes.")]
        return None
    return text


@blueprint.get("/redemptions")
@requires("reward.manage")
def redemptions() -> Any:
    state = request.args.get("state", REQUESTED)
    if state not in ("", *REDEMPTION_STATES):
        abort(404)
    page = request.args.get("page", 1, type=int) or 1
    if not 1 <= page <= 10_000:
        abort(404)
    return render_template("rewards/staff/redemptions.html", state=state,
                           states=REDEMPTION_STATES, found=queries.queue(state or None, page),
                           deliver_form=DeliverForm(formdata=None),
                           cancel_form=CancelForm(formdata=None))  # fmt: skip


def _back() -> Response:
    return redirect(url_for("reward_staff.redemptions"), 303)


@blueprint.post("/redemptions/<int:redemption_id>/deliver")
@requires("reward.manage")
def deliver(redemption_id: int) -> Response:
    form = DeliverForm()
    if not form.validate_on_submit():
        flash(_("The note is too long (at most 300 characters)."), "error")
        return _back()
    try:
        done = fulfilment.deliver(current_user, redemption_id, form.note.data or "")
    except RewardError as error:
        _failed(error, form)
        for message in form.note.errors:
            flash(str(message), "error")
        return _back()
    commit()
    flash(_("Delivered; the member is told.") if done else _("Already handled."), "success")
    return _back()


@blueprint.post("/redemptions/<int:redemption_id>/cancel")
@requires("reward.manage")
def cancel(redemption_id: int) -> Response:
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_("The reason is too long (at most 300 characters)."), "error")
        return _back()
    try:
        done = fulfilment.cancel(current_user, redemption_id, form.reason.data or "")
    except RewardError as error:
        _failed(error, form)
        return _back()
    commit()
    flash(_("Cancelled and refunded; the member is told.") if done else _("Already handled."),
          "success")  # fmt: skip
    return _back()
