"""Pages core's templates and lower packages link to without knowing who serves them.

The site's frame (base.html, the error pages) belongs to core, which imports no
package; a moderation page may not name an ambassadors page either. So the frame links
to *places* ("home", "login"...), and each package says which of its endpoints is a
place (register_place); a page that shows links of higher packages asks for the *links*
registered for it (register_link), each shown only to who holds its capabilities.
Both live on the application, like the scheduler's job registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, url_for
from flask_login import current_user

# The places core's templates link to, and what they are.
PLACES = {
    "home": "the front page (the brand in the menu, 'Back to the community')",
    "search": "the search page (the menu's search box submits to it, with q)",
    "ask": "the page to start a topic",
    "login": "the login page (takes next)",
    "logout": "the logout action (a POST)",
    "register": "the sign-up page",
    "profile": "a member's profile (takes username)",
    "members": "the member directory (takes role, status, sanction... as query arguments)",
}
# The lists of links higher packages add to lower pages, and where they are shown.
LINK_LISTS = {
    "chrome.staff": "the menu's one staff entry: the first link the member may follow",
    "manage.menu": "the links under the review queue's title",
    "moderation.member": "links on a member's moderation page (take username)",
    "admin.hub": "the administrator's hub (/admin): one link per setting, with a description",
    "staff.menu": "the links under the staff console's title (the campaigns list)",
}


@dataclass(frozen=True)
class Link:
    order: int
    endpoint: str
    label: Any  # a lazy string: translated when shown
    capabilities: tuple[str, ...] = ()  # the member must hold all of them
    description: Any = None  # a lazy string, for lists that show one (the admin hub)


def _registry(app: Flask) -> dict[str, Any]:
    return app.extensions.setdefault("tribune.places", {"places": {}, "links": {}})


def register_place(app: Flask, name: str, endpoint: str) -> None:
    """Say that ``endpoint`` is the place ``name`` (one of PLACES)."""
    if name not in PLACES:
        raise ValueError(f"{name!r} is not a place (app.core.places.PLACES)")
    _registry(app)["places"][name] = endpoint


def register_link(
    app: Flask,
    where: str,
    order: int,
    endpoint: str,
    label: Any,
    capabilities: tuple[str, ...] = (),
    description: Any = None,
) -> None:
    """Add a link to the list ``where`` (one of LINK_LISTS), shown in ``order``."""
    if where not in LINK_LISTS:
        raise ValueError(f"{where!r} is not a list of links (app.core.places.LINK_LISTS)")
    found = _registry(app)["links"].setdefault(where, [])
    found[:] = sorted(
        [link for link in found if link.endpoint != endpoint]
        + [Link(order, endpoint, label, capabilities, description)],
        key=lambda link: link.order,
    )


def place_endpoint(name: str) -> str:
    """The endpoint registered for the place ``name``."""
    try:
        return _registry(current_app)["places"][name]  # type: ignore[no-any-return]
    except KeyError:
        raise LookupError(f"no package registered the place {name!r}") from None


def place_url(name: str, **values: Any) -> str:
    """url_for() for a place: ``place_url("profile", username="ana")``."""
    return url_for(place_endpoint(name), **values)


def links(where: str) -> list[Link]:
    """The links of the list ``where`` the current member may follow, in order."""
    # The member itself, not the proxy: each attribute read through current_user costs
    # a lookup of its own, and this runs on every member's page.
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    if not user.is_authenticated:
        return []
    return [
        link
        for link in _registry(current_app)["links"].get(where, [])
        if all(user.can(capability) for capability in link.capabilities)
    ]


def init_app(app: Flask) -> None:
    _registry(app)
    app.jinja_env.globals["place_url"] = place_url
    app.jinja_env.globals["place_endpoint"] = place_endpoint
    app.jinja_env.globals["links"] = links
