"""A topic page, rendered from cached parts (app/core/parts.py).

The page (header, posts, pager, reply form) is one part per topic snapshot (the page's
data, loaded per revision: topic_page.py) and reader: language, role, the capabilities
it shows (Edit and Delete on every post, Restore, who hid a post, the reply form, a
locked topic's form) and the reader's facts on this topic (following it, may choose
its solution, may manage it, may read the topic it duplicates). Each post's buttons
are rendered as for a member who neither wrote nor voted for it; on the few posts
this reader wrote or voted for, a slot takes the post's footer part instead, rendered
once per post state and reader kind. The CSRF token, the reply form's submission
token, the login link and the member whose draft the reply form keeps are holes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask_wtf.csrf import generate_csrf

from app.core import layout, parts
from app.core.submissions import new_token
from app.core.templating import post_trail_endpoint
from app.forum import visibility
from app.forum.pages import labels, queries, topic_page
from app.forum.solutions import may_choose_solution
from app.forum.topic_actions import may_manage
from app.forum.view_counter import views as view_counter


@dataclass(frozen=True, kw_only=True)
class TopicReader(parts.Reader):
    """What a topic page shows its reader, besides the topic."""

    CAPABILITIES = frozenset(
        {"post.create", "topic.lock", "post.edit_any", "post.delete_any", "post.view_deleted",
         "flag.review"}
    )  # fmt: skip
    following: bool
    original_shown: bool  # may read the topic this one duplicates
    manage: bool  # may open the "manage topic" page
    may_accept: bool  # may choose the question's solution


@dataclass(frozen=True, kw_only=True)
class FooterReader(parts.Reader):
    """What a post's buttons show its reader, besides the post."""

    CAPABILITIES = frozenset({"post.edit_any", "post.delete_any", "flag.review"})
    may_accept: bool
    voted: bool
    own: bool


@dataclass(frozen=True)
class FooterPost:
    """What a post's buttons show of it: the footer part's data and data key."""

    id: int
    vote_count: int
    live: bool  # not deleted
    hidden: bool
    answer: bool  # not the opening post
    accepted: bool


PAGE = parts.Part("topic", "forum/topic.html", TopicReader, expires=True)
FOOTER = parts.Part("post-footer", "forum/_post_footer.html", FooterReader)


@dataclass(frozen=True)
class Moved:
    """A topic merged into another: its address opens that one (a 301)."""

    topic_id: int


def for_viewer(
    viewer: Any, topic_id: int, *, order: str, page_number: int, per_page: int
) -> parts.Html | Moved | None:
    """A topic's page (``order`` of its answers, ``page_number``) for ``viewer`` (None: a
    visitor); ``Moved``: merged into a topic the viewer may read; None: no such topic
    for this viewer (a 404)."""
    if order not in queries.ANSWER_ORDERS:
        order = "helpful"
    include_deleted = bool(viewer and viewer.can("post.view_deleted"))
    view = topic_page.PageView(topic_id, order, page_number, per_page, include_deleted)
    if viewer is None:
        found = topic_page.meta(topic_id, None)
    else:
        found = topic_page.meta(topic_id, viewer.id, topic_page.recent_post_ids(view))
    if found is not None and found.merged_into is not None:
        # Into a topic the reader may not read (the lounge): gone, rather than pointing there.
        return Moved(found.merged_into) if found.original_readable(viewer) else None
    if found is None or (found.deleted and not include_deleted):
        return None
    if not visibility.can_read(viewer, found.required_capability):
        return None
    view_counter.record(topic_id)
    # Whether a duplicate's original is named: read now, as the original stands (it can
    # move into the lounge without this topic's revision changing).
    original_shown = found.original_readable(viewer)
    data = topic_page.load(view, found.revision)
    if data is None or (data.opening.post.hidden_at is not None and not include_deleted):
        return None
    return page(data, view, found, viewer, original_shown)


def footer_post(post: Any, accepted_post_id: int | None) -> FooterPost:
    return FooterPost(
        post.id,
        post.vote_count,
        post.deleted_at is None,
        post.hidden_at is not None,
        post.position > 0,
        post.id == accepted_post_id,
    )


def page(
    data: topic_page.TopicPageData,
    view: topic_page.PageView,
    found: topic_page.TopicMeta,
    viewer: Any,
    original_shown: bool,
) -> parts.Html:
    """The whole page of a topic for ``viewer`` (None: a visitor)."""
    topic = data.topic
    member = viewer is not None
    reader = TopicReader.of(
        viewer,
        following=found.following,
        original_shown=original_shown,
        manage=member and may_manage(viewer),
        may_accept=member and topic.is_question and may_choose_solution(viewer, topic),
    )

    def load() -> dict[str, Any]:
        rows = (data.opening, *data.answers.items)
        return {
            "topic": topic,
            "opening": data.opening,
            "answers": data.answers,
            "order": view.order,
            "footers": {row.post.id: footer_post(row.post, topic.accepted_post_id) for row in rows},
            "trail_endpoint": post_trail_endpoint(),
        }

    footers = _own_footers(data, found, viewer, reader) if member else None
    content = PAGE.render(
        reader,
        (view, found.revision),
        load,
        csrf=generate_csrf,
        submission=new_token,
        login=layout.login_url,
        draft_owner=lambda: viewer.id,
        footer=footers,
    )
    return layout.page(topic.title, content)


def _own_footers(
    data: topic_page.TopicPageData, found: topic_page.TopicMeta, viewer: Any, reader: TopicReader
) -> dict[str, parts.Html]:
    """The footers of the posts this member wrote or voted for, by post id."""
    votes = topic_page.reader_votes(found, data, viewer)
    mine = data.posts_by_author.get(viewer.id, ())
    footers = {}
    for post_id in votes.union(mine):
        post = footer_post(data.rows[post_id].post, data.topic.accepted_post_id)
        footers[str(post_id)] = footer(
            viewer, post, may_accept=reader.may_accept, voted=post_id in votes, own=post_id in mine
        )
    return footers


def footer(
    viewer: Any, post: FooterPost, *, may_accept: bool, voted: bool, own: bool, oob: bool = False
) -> parts.Html:
    """A post's buttons for a member; ``oob``: sent to htmx beside another part."""
    reader = FooterReader.of(viewer, may_accept=may_accept, voted=voted, own=own)
    return FOOTER.render(reader, (post, oob), {"post": post, "oob": oob})


def init_app(app: Flask) -> None:
    parts.register(app, PAGE, FOOTER)
    parts.add_global(app, "helpful_votes", labels.helpful_votes)
