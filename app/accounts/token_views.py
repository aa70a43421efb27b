"""Staff API tokens at /manage/tokens: create (shown once), list, revoke."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.accounts import tokens
from app.accounts.services import AccountError
from app.core.events import commit
from app.core.forms import TribuneForm
from app.core.permissions import requires
from app.extensions import db

blueprint = Blueprint("tokens", __name__)


class TokenForm(TribuneForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=tokens.NAME_MAX_LENGTH)],
        description=_l("What uses it, e.g. “CRM sync”."),
    )


class RevokeForm(TribuneForm):
    pass


def _page(form: TokenForm, secret: str | None = None, code: int = 200) -> tuple[str, int]:
    return render_template(
        "accounts/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=tokens.list_tokens(),
        secret=secret,
    ), code


@blueprint.get("/manage/tokens")
@requires("api.tokens")
def index() -> tuple[str, int]:
    return _page(TokenForm())


@blueprint.post("/manage/tokens")
@requires("api.tokens")
def create() -> tuple[str, int]:
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, code=422)
    try:
        _, secret = tokens.create_token(form.name.data or "", created_by=current_user)
    except AccountError as error:
        db.session.rollback()
        form.name.errors = [*form.name.errors, str(error.message)]
        return _page(form, code=422)
    commit()
    # Shown in this response only: never stored, never put in a cookie or a flash message.
    return _page(TokenForm(formdata=None), secret=secret, code=201)


@blueprint.post("/manage/tokens/<int:token_id>/revoke")
@requires("api.tokens")
def revoke(token_id: int) -> Any:
    if not RevokeForm().validate_on_submit():
        abort(400)
    token = tokens.token_by_id(token_id)
    if token is None:
        abort(404)
    tokens.revoke_token(token, by=current_user)
    commit()
    flash(_("Token “%(name)s” revoked.", name=token.name), "success")
    return redirect(url_for("tokens.index"))
