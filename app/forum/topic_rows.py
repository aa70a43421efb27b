"""Topic lists (home, category and tag pages): each row rendered once per what it shows.

A row shows the topic's title, kind, counts, flags, category, tags, author (whose
decorations depend on their id, username and points: see author_extras) and latest
activity, as a relative date. All of it is in the key, the date as its exact value
and as the bucket the relative text is rounded to, so an entry is never stale: a
changed topic gets a new key, and the old entry ages out of the bounded cache.
Rendering thirty rows through the Jinja macro was most of a category page's time.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable
from typing import Any

from flask import current_app, get_template_attribute
from markupsafe import Markup

from app.core.page_cache import PageCache
from app.core.templating import ago_bucket, current_locale

MAX_ROWS = 8 * 1024 * 1024  # bytes


def _key(topic: Any, locale: str) -> Hashable:
    author, last_poster, category = topic.author, topic.last_poster, topic.category
    return (
        topic.id,
        topic.title,
        topic.kind,
        topic.reply_count,
        topic.accepted_post_id is not None,
        topic.pinned,
        topic.locked,
        category.slug,
        category.name,
        tuple(tag.name for tag in topic.tags),
        author.id,
        author.username,
        author.points,
        topic.last_poster_id,
        last_poster.username if last_poster is not None else None,
        topic.last_posted_at,
        ago_bucket(topic.last_posted_at),
        locale,
    )


def topic_row(topic: Any) -> Markup:
    """One topic of a list (``_macros/topics.html``), from the cache when possible."""
    cache: PageCache = current_app.extensions["tribune.topic_rows"]
    key = _key(topic, current_locale())
    row = cache.get(key)
    if row is None:
        row = Markup(get_template_attribute("_macros/topics.html", "topic_row")(topic))
        cache.set(key, row, sys.getsizeof(row))
    return row


def init_app(app: Any) -> None:
    app.extensions["tribune.topic_rows"] = PageCache(MAX_ROWS)
    app.jinja_env.globals["topic_row"] = topic_row
