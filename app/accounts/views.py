"""Register, log in and out, change password, profiles."""

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
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from app.accounts import cards, login_limits, registrations, services, sessions
from app.accounts.account_page import account_sections_for
from app.accounts.forms import ChangePasswordForm, LoginForm, ProfileForm, RegisterForm
from app.accounts.profile import sections_for
from app.accounts.services import AccountError
from app.core.events import commit
from app.core.forms import TribuneForm
from app.core.places import place_url
from app.core.urls import safe_path
from app.extensions import db, limiter

blueprint = Blueprint("accounts", __name__)


def _safe_next(default: str) -> str:
    return safe_path(request.args.get("next") or request.form.get("next"), default)


def _field_error(form: TribuneForm, error: AccountError) -> None:
    field = getattr(form, error.field or "", None)
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


@blueprint.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_IP"], methods=["POST"])
def register() -> Any:
    if current_user.is_authenticated:
        return redirect(place_url("home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            registrations.start_registration(
                form.username.data or "",
                form.email.data or "",
                form.password.data or "",
                locale=session.get("locale"),
                registration_ip=request.remote_addr,
            )
        except AccountError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            commit()
            # The same answer whether the address is new or has an account (whose
            # owner is told instead): the form does not tell who is a member.
            return redirect(url_for("accounts.register_sent"))
    return render_template("accounts/register.html", form=form), 200 if not form.errors else 422


@blueprint.get("/register/sent")
def register_sent() -> Any:
    hours = current_app.config["REGISTRATION_CONFIRM_HOURS"]
    return render_template("accounts/register_sent.html", hours=hours)


@blueprint.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str) -> Any:
    """The emailed link: a button finishes the sign-up (a GET changes nothing, so a mail
    scanner that opens links creates no account)."""
    found = registrations.pending(token)
    if found is None:
        return render_template("accounts/register_invalid.html"), 404
    form = TribuneForm()
    if form.validate_on_submit():
        try:
            user = registrations.finish_registration(token)
            db.session.flush()
        except AccountError as error:
            db.session.rollback()
            return render_template("accounts/register_invalid.html", message=error.message), 409
        except IntegrityError:  # the username was taken by a sign-up finished meanwhile
            db.session.rollback()
            taken = _("This username was taken meanwhile. Sign up again with another.")
            return render_template("accounts/register_invalid.html", message=taken), 409
        sessions.start(user)
        commit()
        login_user(user)
        flash(_("Welcome to the community, %(name)s!", name=user.username), "success")
        return redirect(place_url("home"))
    return render_template("accounts/register_confirm.html", form=form, username=found.username)


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
    methods=["POST"],
    deduct_when=login_limits.failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=login_limits.account_key,
    methods=["POST"],
    deduct_when=login_limits.failed,
)
def login() -> Any:
    """Failed attempts are limited per address and per account (app/accounts/login_limits)."""
    if current_user.is_authenticated:
        return redirect(place_url("home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.login.data or "", form.password.data or "")
        except AccountError as error:
            _field_error(form, error)
        else:
            sessions.start(user)
            commit()
            login_user(user, remember=bool(form.remember.data))
            response = redirect(_safe_next(place_url("home")))
            login_limits.remember_device(response, user.id)
            return response
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 422


@blueprint.post("/logout")
@login_required
def logout() -> Any:
    # The login ends on the server too: a copy of this browser's cookies stops working.
    sessions.end(current_user)
    commit()
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(place_url("home"))


@blueprint.post("/account/logout-everywhere")
@login_required
def logout_everywhere() -> Any:
    if not TribuneForm().validate_on_submit():
        abort(400)
    sessions.end_all(current_user)
    commit()
    logout_user()
    flash(_("You are logged out on every device."), "success")
    return redirect(url_for("accounts.login"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data or "", form.password.data or ""
            )
        except AccountError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            commit()
            # The session version changed: log in again in this browser only.
            login_user(current_user._get_current_object())
            flash(_("Your password is changed. Other sessions are logged out."), "success")
            return redirect(url_for("accounts.profile", username=current_user.username))
    return render_template("accounts/password.html", form=form), 200 if not form.errors else 422


@blueprint.route("/account/profile", methods=["GET", "POST"])
@login_required
def edit_profile() -> Any:
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or ""
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user, bio=form.bio.data or "", locale=form.locale.data or None
            )
        except AccountError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile", username=current_user.username))
    page = render_template(
        "accounts/edit_profile.html", form=form, sections=account_sections_for(current_user)
    )
    return page, 200 if not form.errors else 422


@blueprint.get("/u/<username>")
def profile(username: str) -> Any:
    user = services.get_by_username(username)
    if user is None:
        abort(404)
    return render_template("accounts/profile.html", member=user, sections=sections_for(user))


@blueprint.get("/u/<username>/card")
def card(username: str) -> Any:
    """The user card's fragment (static/js/cards.js): the name's owner in a few lines."""
    user = services.get_by_username(username)
    if user is None:
        return render_template("accounts/_card_missing.html", username=username), 404
    return render_template("accounts/_card.html", **cards.card(user))
