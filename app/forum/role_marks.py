"""A small mark beside the names of staff and community managers, and what keeps it fresh.

The mark is drawn from the author's role, which topic pages load with their posts and
cache per topic revision (pages/topic_page.py): when a member's role changes, every
topic they wrote in, and its category's lists, get a new revision, in the transaction
of the change. Higher packages whose marks change (the ambassadors') call
``refresh_author_pages`` the same way.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Flask
from flask_babel import get_locale
from markupsafe import Markup, escape
from sqlalchemy import select, update

from app.core import events
from app.core.event_payloads import RoleChanged
from app.core.permissions import role_label
from app.core.templating import register_author_decoration
from app.extensions import db
from app.forum.models import Category, Post, Topic

MARKED_ROLES = ("moderator", "staff", "admin")


def role_mark(user: Any) -> str:
    """The role's mark beside an author's name; nothing for members (no query)."""
    role = getattr(user, "role", None)
    if role not in MARKED_ROLES:
        return ""
    return _mark(role, str(get_locale()))


@lru_cache(maxsize=16)
def _mark(role: str, locale: str) -> Markup:
    return Markup(' <span class="role-mark role-{role}">{name}</span>').format(
        role=role, name=escape(role_label(role))
    )


def on_role_changed(event: RoleChanged) -> None:
    """New revisions for the pages that show the member's name: their mark changed."""
    refresh_author_pages([event.user_id])


def refresh_author_pages(author_ids: Any) -> None:
    """New revisions for every topic these authors wrote in, and its category's lists:
    what is shown beside their names changed. ``author_ids``: ids, or a SELECT of them
    (set-based: two UPDATEs, whatever their number)."""
    topic_ids = select(Post.topic_id).where(Post.author_id.in_(author_ids)).distinct()
    db.session.execute(
        update(Topic)
        .where(Topic.id.in_(topic_ids))
        .values(revision=Topic.revision + 1)
        .execution_options(synchronize_session=False)
    )
    categories = select(Topic.category_id).where(Topic.id.in_(topic_ids)).distinct()
    db.session.execute(
        update(Category)
        .where(Category.id.in_(categories))
        .values(revision=Category.revision + 1)
        .execution_options(synchronize_session=False)
    )


def init_app(app: Flask) -> None:
    register_author_decoration(app, "role", role_mark)
    events.handle_in_transaction(app, RoleChanged, on_role_changed)
