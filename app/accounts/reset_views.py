"""Asking for a password reset link by email, and setting a password through it."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.accounts import resets
from app.accounts.forms import ResetPasswordForm, ResetRequestForm
from app.accounts.services import AccountError
from app.accounts.views import _field_error, blueprint
from app.core.events import commit
from app.extensions import db, limiter


@blueprint.route("/account/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_IP"], methods=["POST"])
def reset_request() -> Any:
    form = ResetRequestForm()
    if form.validate_on_submit():
        resets.request_reset(form.email.data or "")
        commit()  # the link and its mail, together
        # The same answer whoever asks: the form does not tell who has an account.
        flash(_("If an account uses this address, a link to set its password is on its way."),
              "success")  # fmt: skip
        return redirect(url_for("accounts.login"))
    status = 200 if not form.errors else 422
    return render_template("accounts/reset_request.html", form=form), status


@blueprint.route("/account/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    if resets.valid_reset(token) is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = resets.reset_password(token, form.password.data or "")
        except AccountError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            commit()
            flash(_("Your password is set. Log in with it, %(name)s.", name=user.username),
                  "success")  # fmt: skip
            return redirect(url_for("accounts.login"))
    status = 200 if not form.errors else 422
    return render_template("accounts/reset_password.html", form=form), status
