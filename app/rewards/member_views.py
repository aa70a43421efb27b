"""The members' side: the catalogue (/rewards) with the spendable balance, a reward,
redeeming it (a confirmation page, then the POST), their history (/me/rewards), and the
rewards' pictures."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import submissions
from app.core.events import commit
from app.core.permissions import requires
from app.core.text import cook
from app.extensions import db
from app.rewards import balance, catalog, eligibility, pictures, queries, redeeming
from app.rewards.errors import RewardError
from app.rewards.forms import RedeemForm
from app.rewards.models import Reward

blueprint = Blueprint("rewards", __name__)


def language() -> str:
    return str(get_locale() or "")


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return {"lang": language(), "cook": cook, "who_may": eligibility.condition}


def _why_not(reward: Reward, standing: eligibility.Standing, codes: int, mine: int,
             spendable: int) -> str | None:  # fmt: skip
    """Why the member may not redeem it now, in words; None if they may."""
    refusal = eligibility.refusal(reward, standing)
    if refusal:
        return refusal
    if reward.per_member_limit is not None and mine >= reward.per_member_limit:
        return _("You have already redeemed this reward as often as allowed.")
    if (reward.stock is not None and reward.stock <= 0) or (
        reward.delivery == "code" and not codes
    ):
        return _("Out of stock.")
    if spendable < reward.cost:
        return _("You need %(n)s more points.", n=reward.cost - spendable)
    return None


@blueprint.get("/rewards")
@login_required
def catalogue() -> Any:
    spendable = balance.spendable(current_user)
    standing = eligibility.standing(current_user)
    rows = [(reward, _why_not(reward, standing, codes, mine, spendable))
            for reward, codes, mine in queries.catalogue(current_user.id)]  # fmt: skip
    return render_template("rewards/catalogue.html", rows=rows, spendable=spendable,
                           lifetime=current_user.points)  # fmt: skip


def _offered(reward_id: int) -> tuple[Reward, str | None, int]:
    reward = queries.offered(reward_id)
    if reward is None:
        abort(404)
    spendable = balance.spendable(current_user)
    codes = catalog.free_codes(reward.id)
    mine = redeeming.redeemed_count(current_user.id, reward.id)
    why = _why_not(reward, eligibility.standing(current_user), codes, mine, spendable)
    if why is None and not current_user.can("reward.redeem"):
        why = _("Your account may not redeem rewards.")
    return reward, why, spendable


@blueprint.get("/rewards/<int:reward_id>")
@login_required
def show(reward_id: int) -> Any:
    reward, why, spendable = _offered(reward_id)
    return render_template("rewards/show.html", reward=reward, why=why, spendable=spendable)


@blueprint.route("/rewards/<int:reward_id>/redeem", methods=["GET", "POST"])
@requires("reward.redeem")
def redeem(reward_id: int) -> Any:
    reward, why, spendable = _offered(reward_id)
    form = RedeemForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if sent_before := submissions.first_result(form.submission.data):
            return redirect(sent_before, 303)
        try:
            redeeming.redeem(current_user, reward.id)
        except RewardError as error:
            db.session.rollback()
            if error.status == 404:
                abort(404)
            flash(str(error.message), "error")
            return redirect(url_for("rewards.show", reward_id=reward.id), 303)
        result = url_for("rewards.history")
        submissions.remember(result)
        commit()
        flash(_("Redeemed: %(title)s. Staff will deliver it; follow it here.",
                title=reward.title(language())), "success")  # fmt: skip
        return redirect(result, 303)
    return render_template("rewards/confirm.html", reward=reward, why=why, spendable=spendable,
                           form=form)  # fmt: skip


@blueprint.get("/me/rewards")
@login_required
def history() -> Any:
    page = request.args.get("page", 1, type=int) or 1
    if not 1 <= page <= 10_000:
        abort(404)
    return render_template("rewards/history.html", found=queries.history(current_user.id, page),
                           spending=queries.spending(current_user.id),
                           spendable=balance.spendable(current_user),
                           lifetime=current_user.points)  # fmt: skip


@blueprint.get("/rewards/pictures/<name>")
def picture(name: str) -> Any:
    found = pictures.path_of(name)
    if found is None:
        abort(404)
    path, mimetype = found
    # Pictures are small (REWARD_PICTURE_MAX_BYTES) and named by their content: read
    # whole, cached for a month (a new picture has a new name).
    response = Response(path.read_bytes(), mimetype=mimetype)
    response.cache_control.public, response.cache_control.max_age = True, 86400 * 30
    # Never run as a document, whatever the bytes hold.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
