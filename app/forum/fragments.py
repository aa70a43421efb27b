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

import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app, get_template_attribute, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.core.page_cache import PageCache
from app.core.templating import (
    ago_bucket,
    ago_text,
    author_extras,
    current_locale,
    post_trail_endpoint,
)
from app.forum.labels import helpful_votes
from app.forum.solutions import may_choose_solution

MAX_FRAGMENTS = 5000


class FragmentCache:
    def __init__(self, max_entries: int = MAX_FRAGMENTS) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[Hashable, Markup] = OrderedDict()
        self.lock = threading.Lock()
        # Whole lists of posts as a member who voted for none of them and wrote none
        # would see them, per topic revision and page (see render_posts).
        self.blocks = PageCache(16 * 1024 * 1024, ttl_seconds=60)


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
    # Hidden and deleted posts (shown to moderators only) link to who did it and why.
    trail_base: str = ""

    @classmethod
    def for_page(cls, topic: Any, viewer: Any) -> PostContext:
        member = viewer is not None
        locale = current_locale()  # the request's, looked up once (the templates ask too)
        return cls(
            locale=locale,
            accepted_post_id=topic.accepted_post_id,
            member_id=viewer.id if member else None,
            can_accept=member and topic.is_question and may_choose_solution(viewer, topic),
            can_edit_any=member and viewer.can("post.edit_any"),
            can_delete_any=member and viewer.can("post.delete_any"),
            post_base=_url_base("forum.post", post_id=0),
            profile_base=_url_base("accounts.profile", username="_"),
            t=_labels(locale),
            trail_base=_trail_base() if member and viewer.can("post.view_deleted") else "",
        )


def _trail_base() -> str:
    endpoint = post_trail_endpoint()
    return _url_base(endpoint, type="post", target=0) if endpoint else ""


def _url_base(endpoint: str, **placeholder: Any) -> str:
    """The URL of ``endpoint`` without its last character (the placeholder value)."""
    bases: dict[str, str] = current_app.extensions.setdefault("tribune.url_bases", {})
    if endpoint not in bases:
        bases[endpoint] = url_for(endpoint, **placeholder)[:-1]
    return bases[endpoint]


@lru_cache(maxsize=16)
def _labels(locale: str) -> dict[str, Markup]:
    """The post buttons' labels in one language, escaped once (``locale`` is the request's)."""
    labels = {
        "edited": _("edited"),
        "solution": _("Solution"),
        "deleted": _("deleted"),
        "hidden": _("hidden"),
        "flag": _("Flag"),
        "helpful": _("Helpful"),
        "mark": _("Mark as solution"),
        "unmark": _("Unmark solution"),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "restore": _("Restore"),
    }
    return {key: escape(text) for key, text in labels.items()}


def _head(post: Any, author: Any, ctx: PostContext) -> Markup:
    """The opening <article>, header and body, from the cache when possible."""
    accepted = post.id == ctx.accepted_post_id
    bucket = ago_bucket(post.created_at)
    key = (
        post.id,
        post.body_html,
        post.edit_count,
        post.deleted_at is not None,
        post.hidden_at is not None,
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


def _button(url: str, label: str, css: str = "", pressed: bool | None = None) -> str:
    """A button of the page's one ``actions`` form (its CSRF token): works without
    JavaScript. The vote button has no class: CSS styles it by its aria-pressed."""
    aria = "" if pressed is None else f' aria-pressed="{"true" if pressed else "false"}"'
    css = f' class="{css}"' if css else ""
    return f'<button form="actions" formaction="{url}"{css}{aria}>{label}</button>'


@lru_cache(maxsize=20_000)
def _footer(
    base: str,
    locale: str,
    vote_count: int,
    voted: bool,
    can_vote: bool,
    accept_action: str | None,
    can_edit: bool,
    can_restore: bool,
    can_flag: bool = False,
) -> str:
    """A post's buttons: few distinct combinations, so cached like the heads."""
    t = _labels(locale)
    parts = ["<footer>"]
    if can_vote:
        label = f"{t['helpful']} · {vote_count}"
        action = "unvote" if voted else "vote"
        parts.append(_button(f"{base}/{action}", label, pressed=voted))
    else:
        parts.append(f'<span class="votes">{escape(helpful_votes(vote_count))}</span>')
    if accept_action is not None:
        label = t["unmark"] if accept_action == "unaccept" else t["mark"]
        parts.append(_button(f"{base}/{accept_action}", label, "link"))
    if can_edit:
        parts.append(f'<a href="{base}/edit">{t["edit"]}</a> ')
        parts.append(_button(f"{base}/delete", t["delete"], "link danger"))
    elif can_restore:
        parts.append(_button(f"{base}/restore", t["restore"], "link"))
    if can_flag:
        # Members only (logged-out pages never show it), so no rel="nofollow" is needed.
        parts.append(f' <a href="{base}/flag">{t["flag"]}</a>')
    parts.append("</footer></article>")
    return "".join(parts)


def render_posts(rows: list[Any], ctx: PostContext, my_votes: set[int], key: Hashable) -> Markup:
    """A page of posts (rows with .post and .author).

    Most posts look the same to every member: those they neither voted for nor wrote.
    The list is kept rendered that way per page revision and reader rights (``key``
    and the context), and only the posts this reader voted for or wrote are redone.
    """
    cache: FragmentCache = current_app.extensions["tribune.fragments"]
    block_key = (key, ctx.locale, ctx.member_id is not None, ctx.can_accept,
                 ctx.can_edit_any, ctx.can_delete_any)  # fmt: skip
    generic = cache.blocks.get(block_key)
    if generic is None:
        # With each post's id and author: reading them from the rows on every view cost
        # more than the rest of this function.
        generic = [
            (
                row.post.id,
                row.post.author_id,
                render_post(row.post, row.author, ctx, False, generic=True),
            )
            for row in rows
        ]
        cache.blocks.set(block_key, generic, sum(sys.getsizeof(html) for *_ids, html in generic))
    me = ctx.member_id
    if me is None:
        return Markup("".join(html for _id, _author, html in generic))
    parts = [
        render_post(row.post, row.author, ctx, post_id in my_votes)
        if post_id in my_votes or author_id == me
        else html
        for row, (post_id, author_id, html) in zip(rows, generic, strict=True)
    ]
    return Markup("".join(parts))


def render_post(
    post: Any, author: Any, ctx: PostContext, voted: bool, *, generic: bool = False
) -> Markup:
    """One post: its cached head, then the buttons this reader (or, if ``generic``, any
    member who neither wrote nor voted for it) may use."""
    live = post.deleted_at is None
    member = ctx.member_id is not None
    not_mine = member and live and (generic or ctx.member_id != post.author_id)
    accept_action = None
    if ctx.can_accept and post.position and live:
        accept_action = "unaccept" if post.id == ctx.accepted_post_id else "accept"
    footer = _footer(
        f"{ctx.post_base}{post.id}",
        ctx.locale,
        post.vote_count,
        voted,
        not_mine,
        accept_action,
        member and live and (ctx.can_edit_any or (not generic and ctx.member_id == post.author_id)),
        not live and ctx.can_delete_any,
        not_mine and post.hidden_at is None,
    )
    return Markup("".join((_head(post, author, ctx), footer)))
