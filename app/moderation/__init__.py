"""Flags, the review queue, moderation actions and the audit log (first slice)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.moderation import listeners, models, views  # noqa: F401  (models: tables)

    app.register_blueprint(views.blueprint)
    listeners.connect()
