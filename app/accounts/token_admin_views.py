"""/admin/tokens: every API token of the community, who it acts for, and revoking any.

Tokens are stored hashed: the page shows their name and first characters, never a
token. A token has no scopes of its own: it acts with its owner's current capabilities
(app/accounts/tokens.py, creator_may), so the owner's role is what it may do.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts import tokens
from app.core.events import commit
from app.core.forms import TribuneForm
from app.core.permissions import requires
from app.core.places import register_link

blueprint = Blueprint("token_admin", __name__, url_prefix="/admin/tokens")


class RevokeForm(TribuneForm):
    pass


@blueprint.get("/")
@requires("api.tokens")
def index() -> Any:
    return render_template("accounts/token_admin.html", tokens=tokens.tokens_with_owners(),
                           form=RevokeForm())  # fmt: skip


@blueprint.post("/<int:token_id>/revoke")
@requires("api.tokens")
def revoke(token_id: int) -> Any:
    if not RevokeForm().validate_on_submit():
        abort(400)
    token = tokens.token_by_id(token_id)
    if token is None:
        abort(404)
    if tokens.revoke_token(token, by=current_user):
        commit()
        flash(_("Token “%(name)s” revoked: it no longer opens the API.", name=token.name),
              "success")  # fmt: skip
    else:
        flash(_("Token “%(name)s” was already revoked.", name=token.name), "error")
    return redirect(url_for("token_admin.index"))


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    register_link(app, "admin.hub", 70, "token_admin.index", _l("API tokens"), ("api.tokens",),
                  _l("Every token of the community, who it acts for, when it was last used; "
                     "revoke any."))  # fmt: skip
