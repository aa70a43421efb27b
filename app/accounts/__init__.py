"""Members, roles, authentication, profiles."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select

from app.core.clock import now_utc
from app.core.permissions import parse_capabilities
from app.extensions import db, login_manager


@cache
def _member_statement(dialect: str) -> Select[Any]:
    """Built once per process and backend: the member, unread count and active grants."""
    from app.accounts.models import User
    from app.core.notifications import unread_count_query
    from app.core.permissions import active_capabilities_query

    return select(
        User,
        unread_count_query(User.id),
        active_capabilities_query(User.id, bindparam("now"), dialect),
    ).where(User.id == bindparam("user_id"))


def load_user(session_id: str) -> Any:
    """Flask-Login's loader: one flat row per request (every page runs it)."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    row = db.session.execute(
        _member_statement(db.engine.dialect.name), {"user_id": int(user_id), "now": now_utc()}
    ).first()
    if row is None or row[0].session_version != int(version):
        return None
    user, unread, capabilities = row
    user.unread_notifications = unread
    user.granted_capabilities = parse_capabilities(capabilities)
    return user


def init_app(app: Flask) -> None:
    from app.accounts import cli, views

    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Log in to continue.")
    login_manager.login_message_category = "info"
    app.register_blueprint(views.blueprint)
    app.cli.add_command(cli.users)
