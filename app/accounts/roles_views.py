"""/admin/roles: each role, what it may do, how many members hold it; helpers' privileges.

A member's role is changed on their moderation page (capability ``user.roles``); this
page links each role to the member directory filtered by it (the place "members").
"""

from __future__ import annotations

from flask import Blueprint, render_template

from app.accounts import roles as roles_module
from app.core.permissions import requires

blueprint = Blueprint("roles", __name__)


@blueprint.get("/admin/roles")
@requires("user.roles")
def roles() -> str:
    return render_template(
        "accounts/roles.html",
        summaries=roles_module.summaries(),
        helper_capabilities=roles_module.helper_capabilities(),
    )
