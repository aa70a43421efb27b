"""Members, roles, authentication, profiles."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db, login_manager


def load_user(session_id: str):  # type: ignore[no-untyped-def]
    """Flask-Login's loader: the member, their grants and unread count in one round trip."""
    from app.accounts.models import User
    from app.core.notifications import unread_count_query

    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    row = (
        db.session.execute(
            select(User, unread_count_query(User.id))
            .where(User.id == int(user_id))
            .options(joinedload(User.grants))
        )
        .unique()
        .first()
    )
    if row is None or row[0].session_version != int(version):
        return None
    user, unread = row
    user.unread_notifications = unread
    return user


def init_app(app: Flask) -> None:
    from app.accounts import cli, views

    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Log in to continue.")
    login_manager.login_message_category = "info"
    app.register_blueprint(views.blueprint)
    app.cli.add_command(cli.users)
