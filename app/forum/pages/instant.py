"""What a topic page's instant actions answer htmx with (app/core/htmx.py).

A vote, a solution chosen or a follow, sent by htmx, answers with the part of the page
that changed, for this member, in the state just committed: the post's buttons (the
cached footer part, so the same HTML as on the page), the follow button. Choosing a
solution also changes other parts: those go out of band (hx-swap-oob) beside the
post's buttons, namely the solution marks, the topic's "Solved" and the buttons of the
answer that was the solution before.
"""

from __future__ import annotations

from typing import Any

from flask import Response, get_template_attribute
from flask_babel import gettext as _
from markupsafe import Markup

from app.core import htmx
from app.forum.models import Post, Topic
from app.forum.pages import queries, topic_parts
from app.forum.solutions import may_choose_solution


def _footer(viewer: Any, post: Post, topic: Topic, voted: bool | None, oob: bool = False) -> str:
    if voted is None:
        voted = post.id in queries.my_votes(viewer, [post.id])
    return str(
        topic_parts.footer(
            viewer,
            topic_parts.footer_post(post, topic.accepted_post_id),
            may_accept=topic.is_question and may_choose_solution(viewer, topic),
            voted=voted,
            own=post.author_id == viewer.id,
            oob=oob,
        )
    )


def after_vote(viewer: Any, post: Post, topic: Topic, *, voted: bool) -> Response:
    """The post's buttons once the member's vote is cast (``voted``) or withdrawn."""
    return htmx.fragment(_footer(viewer, post, topic, voted))


def after_solution(viewer: Any, post: Post, topic: Topic, previous_id: int | None) -> Response:
    """The post's buttons once the solution changed, and the marks that follow it."""
    accepted = topic.accepted_post_id
    html = [_footer(viewer, post, topic, None)]
    if previous_id is not None and previous_id != post.id:
        previous = queries.post_by_id(previous_id)
        if previous is not None and previous.deleted_at is None:
            html.append(_footer(viewer, previous, topic, None, oob=True))
    # Every mark goes, then the solution's comes back: twice the same click shows one.
    html.append('<div hx-swap-oob="delete:.post>header>.solved"></div>')
    if accepted is not None:
        mark = get_template_attribute("forum/_post.html", "solution_mark")()
        html.append(
            Markup('<div hx-swap-oob="beforeend:#post-{}>header"> {}</div>').format(accepted, mark)
        )
    html.append(str(get_template_attribute("forum/_post.html", "topic_solved")(accepted, True)))
    return htmx.fragment("".join(html))


def after_follow(topic: Topic, following: bool) -> Response:
    """The topic's follow button, as it now stands."""
    button = get_template_attribute("forum/_post.html", "follow_button")(topic.id, following)
    return htmx.fragment(button)


def after_delete(post: Post) -> Response:
    """In place of the post one deleted, a line that says so."""
    return htmx.fragment(
        Markup('<p class="notice" id="post-{}" role="status">{}</p>').format(
            post.id, _("Post deleted.")
        )
    )
