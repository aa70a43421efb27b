"""Categories, topics, posts, votes, accepted answers, search: the forum's domain.

Its pages (blueprints, read models, the cached topic and list pages) are the
subpackage ``app.forum.pages``, which the factory registers after this; nothing here
imports them (tests/test_architecture.py).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.forum import cli, notify, view_counter

    notify.init_app(app)
    app.cli.add_command(cli.categories)
    view_counter.init_app(app)
