"""Categories, topics, posts, votes, accepted answers, search."""

from __future__ import annotations

import atexit

from flask import Flask


def init_app(app: Flask) -> None:
    from app.accounts.profile import register_section
    from app.forum import cli, notify, profile, views
    from app.forum.view_counter import views as view_counter

    app.register_blueprint(views.blueprint)
    notify.init_app()
    register_section(10, "forum/_profile_section.html", profile.section)
    app.cli.add_command(cli.seed_demo)
    app.cli.add_command(cli.categories)

    def flush_views() -> None:
        with app.app_context():
            view_counter.flush()

    atexit.register(flush_views)
