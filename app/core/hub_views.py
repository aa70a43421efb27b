"""/admin: the administrator's hub, one page linking every setting.

Core owns the page and knows none of the settings: each package registers its own
pages in the "admin.hub" link list (app/core/places.py) with a description, behind the
capabilities they need, and the hub shows those the administrator may open.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template
from flask_babel import lazy_gettext as _l

from app.core.permissions import requires
from app.core.places import links, register_link

blueprint = Blueprint("admin_hub", __name__, url_prefix="/admin")


@blueprint.get("/")
@requires("admin.access")
def hub() -> Any:
    return render_template("core/admin_hub.html", settings=links("admin.hub"))


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    register_link(app, "manage.menu", 90, "admin_hub.hub", _l("Administration"),
                  ("admin.access",))  # fmt: skip
    register_link(app, "admin.hub", 80, "mail.outbox", _l("Outgoing mail"), ("mail.manage",),
                  _l("Messages waiting, sent and failed; send failed ones again."))  # fmt: skip
