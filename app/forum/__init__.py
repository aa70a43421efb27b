"""Categories, topics, posts, votes, accepted answers, search."""

from __future__ import annotations

from flask import Flask

from app.core.page_cache import PageCache


def init_app(app: Flask) -> None:
    from app.accounts.profile import register_section
    from app.core.places import register_place
    from app.forum import (
        cli,
        labels,
        list_parts,
        notify,
        profile,
        topic_parts,
        topic_views,
        view_counter,
        views,
    )

    app.register_blueprint(views.blueprint)
    app.register_blueprint(topic_views.blueprint)
    register_place(app, "home", "forum.home")
    register_place(app, "search", "forum.search")
    register_place(app, "ask", "forum.new_topic")
    app.extensions["tribune.topic_data"] = PageCache(
        app.config["PAGE_DATA_CACHE_BYTES"], app.config["PAGE_CACHE_SECONDS"]
    )
    app.jinja_env.globals["helpful_votes"] = labels.helpful_votes
    topic_parts.init_app(app)
    list_parts.init_app(app)
    notify.init_app(app)
    register_section(app, 10, "forum/_profile_section.html", profile.section)
    app.cli.add_command(cli.categories)
    view_counter.init_app(app)
