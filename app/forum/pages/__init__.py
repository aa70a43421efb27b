"""The forum's pages: blueprints, read models, forms and the cached topic and list pages.

They use the forum's domain (app/forum/) and nothing of the domain uses them; only the
factory imports this package, to register it (tests/test_architecture.py).
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.page_cache import PageCache


def init_app(app: Flask) -> None:
    from app.accounts.profile import register_section
    from app.core.places import register_link, register_place
    from app.forum.pages import (
        category_admin_views,
        editor_views,
        labels,
        list_parts,
        post_action_views,  # noqa: F401  (adds its routes to views.blueprint)
        profile,
        topic_parts,
        topic_views,
        views,
    )

    app.register_blueprint(views.blueprint)
    app.register_blueprint(topic_views.blueprint)
    app.register_blueprint(category_admin_views.blueprint)
    app.register_blueprint(editor_views.blueprint)
    register_link(app, "admin.hub", 20, "category_admin.index", _l("Categories"),
                  ("category.manage",),
                  _l("Create, edit, reorder, restrict and archive the categories."))  # fmt: skip
    register_place(app, "home", "forum.home")
    register_place(app, "search", "forum.search")
    register_place(app, "ask", "forum.new_topic")
    app.extensions["tribune.topic_data"] = PageCache(
        app.config["PAGE_DATA_CACHE_BYTES"], app.config["PAGE_CACHE_SECONDS"]
    )
    app.jinja_env.globals["helpful_votes"] = labels.helpful_votes
    topic_parts.init_app(app)
    list_parts.init_app(app)
    register_section(app, 10, "forum/_profile_section.html", profile.section)
