"""Bringing an existing community in (the interchange format) and writing one out.

It sits above every package whose rows it writes (accounts, forum, badges, ambassadors)
and below none: nothing imports it.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.interchange import cli, models  # noqa: F401  (models: tables for migrations)

    cli.init_app(app)
