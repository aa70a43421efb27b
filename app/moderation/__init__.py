"""Flags, the review queue, sanctions, moderation actions and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# What a suspended member may still post: their session, password, language, bell.
ALLOWED_WHILE_SUSPENDED = frozenset(
    {
        "accounts.logout",
        "accounts.change_password",
        "i18n.set_language",
        "notifications.read_all",
    }
)


def refuse_writes_while_suspended() -> Any:
    """Suspended members read but do not write: every other form answers 403, saying why."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not current_user.is_authenticated:
        return None
    if request.endpoint in ALLOWED_WHILE_SUSPENDED or not current_user.is_suspended():
        return None
    from app.core.errors import render_error

    return render_error(403, _("Your account is suspended: you can read, not write."))


def _profile_section(member: Any) -> dict[str, Any]:
    show = current_user.is_authenticated and current_user.can("user.suspend")
    return {
        "show": show,
        "username": member.username,
        "suspended": show and member.is_suspended(),
        "silenced": show and member.is_silenced(),
    }


def init_app(app: Flask) -> None:
    from app.accounts.profile import register_section
    from app.core.notifications import register_kind
    from app.core.places import register_link, register_place
    from app.core.templating import register_post_trail
    from app.moderation import (  # noqa: F401
        directory_views,
        listeners,
        member_views,
        members,
        models,
        views,
    )

    register_section(app, 90, "moderation/_profile_section.html", _profile_section)
    register_post_trail(app, "moderation.log")
    for kind, render in members.NOTIFICATION_KINDS.items():
        register_kind(app, kind, render)
    # The menu's staff entry: the queue for who reviews flags, else newcomers' first posts
    # (ambassadors add their console between the two).
    register_link(app, "chrome.staff", 10, "moderation.queue", _l("Manage"),
                  ("manage.access", "flag.review"))  # fmt: skip
    register_link(app, "chrome.staff", 30, "moderation.first_posts", _l("Review"),
                  ("post.review_first",))  # fmt: skip
    register_link(app, "manage.menu", 10, "moderation.first_posts", _l("First posts to review"))
    register_link(app, "manage.menu", 30, "moderation.log", _l("Audit log"))
    app.register_blueprint(views.blueprint)
    app.register_blueprint(member_views.blueprint)
    app.register_blueprint(directory_views.blueprint)
    register_place(app, "members", "directory.members")
    register_link(app, "manage.menu", 35, "directory.members", _l("Members"), ("user.suspend",))
    register_link(app, "admin.hub", 20, "directory.members", _l("Members"), ("user.suspend",),
                  _l("Find a member by name or email; filter by role, level, status, "
                     "sanction and join date; export the list."))  # fmt: skip
    listeners.connect(app)
    app.before_request(refuse_writes_while_suspended)
