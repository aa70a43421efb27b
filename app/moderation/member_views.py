"""A member's moderation page: record, suspend, silence, warn, lift, and roles and the
email address (admins)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.accounts.addresses import is_placeholder, set_email
from app.accounts.models import User
from app.accounts.services import AccountError, get_by_username
from app.core.events import commit
from app.core.forms import TribuneForm
from app.core.permissions import ROLE_LABELS, ROLES, requires, role_label
from app.extensions import db
from app.moderation import members
from app.moderation.services import ModerationError

blueprint = Blueprint("members", __name__)


class SanctionForm(TribuneForm):
    days = IntegerField(
        _l("Days"),
        validators=[Optional(), NumberRange(min=1, max=members.MAX_DAYS)],
        description=_l("Leave empty for “until lifted”."),
    )
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Say why: the member will read it.")), Length(max=300)],
    )


class LiftForm(TribuneForm):
    id_prefix = "lift"
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class RoleForm(TribuneForm):
    id_prefix = "role"
    role = SelectField(
        _l("Role"), choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]
    )
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class EmailForm(TribuneForm):
    id_prefix = "email"
    email = StringField(
        _l("Email address"), validators=[DataRequired(), Length(max=254)],
        description=_l(
            "Then the member can claim the account with “Forgot your password, or never set"
            " one?” on the login page."
        ),
    )  # fmt: skip
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


def _member(username: str) -> User:
    member = get_by_username(username)
    if member is None:
        abort(404)
    return member


def _page(member: User, code: int = 200, **forms: Any) -> tuple[str, int]:
    role_form = forms.get("role") or RoleForm(formdata=None, role=member.role)
    return render_template(
        "moderation/member.html",
        member=member,
        record=members.record_of(member.id),
        sanction_form=forms.get("sanction") or SanctionForm(formdata=None),
        lift_form=forms.get("lift") or LiftForm(formdata=None),
        role_form=role_form,
        email_form=forms.get("email") or EmailForm(formdata=None),
        placeholder_email=is_placeholder(member.email),
    ), code


@blueprint.get("/manage/members/<username>")
@requires("user.suspend")
def member(username: str) -> tuple[str, int]:
    return _page(_member(username))


_SANCTIONS = {"suspend": members.suspend, "silence": members.silence}


@blueprint.post("/manage/members/<username>/<kind>")
@requires("user.suspend")
def sanction(username: str, kind: str) -> Any:
    if kind not in (*_SANCTIONS, "warn", "lift"):
        abort(404)
    target = _member(username)
    form: TribuneForm = LiftForm() if kind == "lift" else SanctionForm()
    if not form.validate_on_submit():
        return _page(target, 422, **{"lift" if kind == "lift" else "sanction": form})
    reason = form.reason.data or ""

    def act() -> bool:
        if kind == "lift":
            members.lift(current_user, target, reason)
        elif kind == "warn":
            members.warn(current_user, target, reason)
        else:
            _SANCTIONS[kind](current_user, target, form.days.data, reason)
        return True

    name = target.username
    done = {
        "lift": _("The sanction on %(name)s is lifted.", name=name),
        "warn": _("%(name)s is warned.", name=name),
        "silence": _("%(name)s is silenced.", name=name),
        "suspend": _("%(name)s is suspended.", name=name),
    }[kind]
    return _decided(target, act, done)


def _decided(target: User, act: Any, done: str) -> Any:
    """Run a decision on a member; a refusal is a message (or a 403), never half-done."""
    try:
        changed = act()
    except ModerationError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        flash(str(error.message), "error")
        return redirect(url_for("members.member", username=target.username))
    commit()
    flash(done if changed else _("Nothing to change."), "success" if changed else "info")
    return redirect(url_for("members.member", username=target.username))


@blueprint.post("/manage/members/<username>/role")
@requires("user.roles")
def role(username: str) -> Any:
    target = _member(username)
    form = RoleForm()
    if not form.validate_on_submit():
        return _page(target, 422, role=form)
    role_name, reason = form.role.data, form.reason.data or ""
    done = _("%(name)s is now: %(role)s.", name=target.username, role=role_label(role_name))
    return _decided(
        target, lambda: members.change_role(current_user, target, role_name, reason), done
    )


@blueprint.post("/manage/members/<username>/email")
@requires("user.email")
def email(username: str) -> Any:
    """An administrator sets a member's real address (an imported member's placeholder)."""
    target = _member(username)
    form = EmailForm()
    if not form.validate_on_submit():
        return _page(target, 422, email=form)
    try:
        changed = set_email(target, form.email.data or "", current_user.id, form.reason.data or "")
        commit()
    except AccountError as error:
        db.session.rollback()
        form.email.errors = [str(error.message)]
        return _page(target, 422, email=form)
    except IntegrityError:  # another member took the address at the same moment
        db.session.rollback()
        form.email.errors = [_("Another member already uses this address.")]
        return _page(target, 422, email=form)
    if changed:
        flash(_("%(name)s's address is set: they can claim the account.", name=target.username),
              "success")  # fmt: skip
    else:
        flash(_("Nothing to change."), "info")
    return redirect(url_for("members.member", username=target.username))
