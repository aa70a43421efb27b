"""Members, roles, authentication, profiles."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Flask, abort, flash, redirect, request
from flask_babel import lazy_gettext as _l
from flask_login.utils import login_url
from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from app.core import htmx
from app.core.clock import now_utc
from app.core.permissions import parse_capabilities
from app.extensions import db, login_manager


@cache
def _member_statement(dialect: str) -> Select[Any]:
    """Built once per process and backend: the member, whether this login is still open
    (its member_sessions row), unread count and active grants."""
    from app.accounts.models import MemberSession, User
    from app.core.notifications import unread_count_query
    from app.core.permissions import active_capabilities_query

    table = User.__table__
    login_open = (
        select(MemberSession.id)
        .where(
            MemberSession.user_id == User.id,
            MemberSession.key_hash == bindparam("key_hash"),
            MemberSession.expires_at > bindparam("now"),
        )
        .exists()
    )
    return select(
        *table.columns,
        login_open.label("_login_open"),
        unread_count_query(User.id).label("_unread"),
        active_capabilities_query(User.id, bindparam("now"), dialect).label("_capabilities"),
    ).where(table.c.id == bindparam("user_id"))


@cache
def _user_manager() -> Any:
    from app.accounts.models import User

    return inspect(User).class_manager


def _unauthorized() -> Any:
    """Flask-Login's answer to a visitor on a members' page: the login page, coming
    back after; to an instant action (htmx), a refusal in place, not a login page."""
    if htmx.requested() or not login_manager.login_view:
        abort(401)
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def load_user(session_id: str) -> Any:
    """Flask-Login's loader: one flat row per request (every page runs it).

    The row is read as plain columns and made into a persistent member without the
    ORM's loading machinery, which cost more than the page's other queries together;
    changes to the member (language, last visit, password) are saved as usual.
    """
    from app.accounts.models import User
    from app.accounts.tokens import digest

    # "id:version:key" (User.get_id); ids of the older form "id:version" name no login.
    user_id, version, key = [*session_id.split(":"), "", ""][:3]
    if not user_id.isdigit() or not version.isdigit() or not key:
        return None
    existing = db.session.identity_map.get(identity_key(User, int(user_id)))
    row = (
        db.session.connection()
        .execute(
            _member_statement(db.engine.dialect.name),
            {"user_id": int(user_id), "key_hash": digest(key), "now": now_utc()},
        )
        .mappings()
        .first()
    )
    if row is None or row["session_version"] != int(version) or not row["_login_open"]:
        return None  # logged out (here or everywhere), expired, or the password changed
    if existing is not None:
        user = existing  # already in this session (tests, or a login in this request)
    else:
        # A bare instance filled from the row, as the ORM's own loading does: the
        # constructor's per-attribute events cost more than the statement.
        user = _user_manager().new_instance()
        user.__dict__.update({key: value for key, value in row.items() if not key.startswith("_")})
        make_transient_to_detached(user)  # then persistent, changes tracked as usual
        db.session.add(user)
    user.session_key = key
    user.unread_notifications = row["_unread"]
    user.granted_capabilities = parse_capabilities(row["_capabilities"])
    return user


def init_app(app: Flask) -> None:
    from app.accounts import (
        cli,
        reset_views,  # noqa: F401  (adds its routes to views.blueprint)
        roles_views,
        token_admin_views,
        token_views,
        views,
    )
    from app.core.places import register_link, register_place

    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.unauthorized_handler(_unauthorized)
    app.register_blueprint(views.blueprint)
    app.register_blueprint(token_views.blueprint)
    token_admin_views.init_app(app)
    app.register_blueprint(roles_views.blueprint)
    register_link(app, "admin.hub", 25, "roles.roles", _l("Roles"), ("user.roles",),
                  _l("What each role may do, who holds it, and helpers' privileges."))  # fmt: skip
    register_place(app, "login", "accounts.login")
    register_place(app, "logout", "accounts.logout")
    register_place(app, "register", "accounts.register")
    register_place(app, "profile", "accounts.profile")
    app.cli.add_command(cli.users)
