"""Rendering posts on a topic page, the page's hot path.

A topic page shows up to fifty posts. Each post's header and body are the same for
every reader; they depend only on what is in the cache key: the post's id, body, edit
count, whether it is deleted or the solution, its author's name and points (which
decide the level shown), its relative date and the language. A cached fragment is
therefore never stale, even if ids were ever reused. The per-reader footer (vote,
accept, edit buttons) is built here with plain string formatting on every view: the
Jinja macro it replaced cost more than all of the page's SQL. Labels and URLs are
escaped once per page, in PostContext.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from flask import current_app, get_template_attribute, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.core.templating import ago_bucket, ago_text, author_extras
from app.forum.labels import helpful_votes

MAX_FRAGMENTS = 5000


class FragmentCache:
    def __init__(self, max_entries: int = MAX_FRAGMENTS) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[Hashable, Markup] = OrderedDict()
        self.lock = threading.Lock()


@dataclass(frozen=True)
class PostContext:
    """What is the same for every post of one page view."""

    locale: str
    accepted_post_id: int | None
    member_id: int | None
    can_accept: bool
    can_edit_any: bool
    can_delete_any: bool
    post_base: str
    profile_base: str
    t: dict[str, Markup]

    @classmethod
    def for_page(cls, topic: Any, viewer: Any) -> PostContext:
        member = viewer is not None
        labels = {
            "edited": _("edited"),
            "solution": _("Solution"),
            "deleted": _("deleted"),
            "helpful": _("Helpful"),
            "mark": _("Mark as solution"),
            "unmark": _("Unmark solution"),
            "edit": _("Edit"),
            "delete": _("Delete"),
            "restore": _("Restore"),
        }
        return cls(
            locale=str(get_locale()),
            accepted_post_id=topic.accepted_post_id,
            member_id=viewer.id if member else None,
            can_accept=member
            and topic.is_question
            and (viewer.id == topic.author_id or viewer.can("answer.accept_any")),
            can_edit_any=member and viewer.can("post.edit_any"),
            can_delete_any=member and viewer.can("post.delete_any"),
            post_base=url_for("forum.post", post_id=0)[:-1],
            profile_base=url_for("accounts.profile", username="_")[:-1],
            t={key: escape(text) for key, text in labels.items()},
        )


def _head(post: Any, author: Any, ctx: PostContext) -> Markup:
    """The opening <article>, header and body, from the cache when possible."""
    accepted = post.id == ctx.accepted_post_id
    bucket = ago_bucket(post.created_at)
    key = (
        post.id,
        post.body_html,
        post.edit_count,
        post.deleted_at is not None,
        accepted,
        author.username,
        author.points,
        bucket,
        ctx.locale,
    )
    cache: FragmentCache = current_app.extensions["tribune.fragments"]
    with cache.lock:
        cached = cache.entries.get(key)
        if cached is not None:
            cache.entries.move_to_end(key)
            return cached
    render = get_template_attribute("forum/_post.html", "post_head")
    when = ago_text(bucket, ctx.locale)
    fragment = Markup(render(post, author, accepted, author_extras(author), when, ctx))
    with cache.lock:
        cache.entries[key] = fragment
        while len(cache.entries) > cache.max_entries:
            cache.entries.popitem(last=False)
    return fragment


def _button(ctx: PostContext, url: str, label: Markup, css: str, pressed: bool | None) -> str:
    aria = "" if pressed is None else f' aria-pressed="{"true" if pressed else "false"}"'
    return f'<button form="post-actions" formaction="{url}" class="{css}"{aria}>{label}</button>'


def render_post(post: Any, author: Any, ctx: PostContext, voted: bool) -> Markup:
    """One post: its cached head, then the buttons this reader may use."""
    base = f"{ctx.post_base}{post.id}"
    t = ctx.t
    live = post.deleted_at is None
    parts = [_head(post, author, ctx), "<footer>"]
    if ctx.member_id is not None and ctx.member_id != post.author_id and live:
        action = "unvote" if voted else "vote"
        label = Markup(f"{t['helpful']} · {post.vote_count}")
        css = "vote on" if voted else "vote"
        parts.append(_button(ctx, f"{base}/{action}", label, css, voted))
    else:
        parts.append(f'<span class="votes">{escape(helpful_votes(post.vote_count))}</span>')
    if ctx.can_accept and post.position and live:
        accepted = post.id == ctx.accepted_post_id
        action, label = ("unaccept", t["unmark"]) if accepted else ("accept", t["mark"])
        parts.append(_button(ctx, f"{base}/{action}", label, "link", None))
    if ctx.member_id is not None and live and (ctx.member_id == post.author_id or ctx.can_edit_any):
        parts.append(f'<a href="{base}/edit">{t["edit"]}</a> ')
        parts.append(_button(ctx, f"{base}/delete", t["delete"], "link danger", None))
    elif not live and ctx.can_delete_any:
        parts.append(_button(ctx, f"{base}/restore", t["restore"], "link", None))
    parts.append("</footer></article>")
    return Markup("".join(parts))
