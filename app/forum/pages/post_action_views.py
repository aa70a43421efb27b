"""A post's and a topic's one-button actions: vote, choose the solution, delete, follow.

Without JavaScript each posts the topic page's ``actions`` form and redirects back to
the post; sent by htmx (app/core/htmx.py) it answers with the part of the page that
changed (instant.py), or with a refusal in place. The routes belong to the forum's
blueprint (views.py).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import htmx
from app.core.errors import render_error
from app.core.events import commit
from app.core.forms import ActionForm
from app.extensions import db, limiter
from app.forum import solutions, voting
from app.forum.deletion import delete_post
from app.forum.errors import ForumError
from app.forum.following import set_following
from app.forum.models import Post, Topic
from app.forum.pages import instant, removal_views
from app.forum.pages.views import (
    _editable_post,
    _fail,
    _topic_url,
    _user_key,
    _visible_topic,
    _vote_limit,
    blueprint,
)


def _post_action(
    post_id: int, action: Any, message: str | None = None, instant_answer: Any = None
) -> Any:
    """Run a one-button action on a post and go back to it; sent by htmx, answer with
    ``instant_answer(post, topic)``, the part of the page that changed."""
    if not ActionForm().validate_on_submit():
        abort(400)
    found, topic = _editable_post(post_id)
    # Read now: the commit expires the topic, and its category is never lazy-loaded.
    category_url = url_for("forum.category", slug=topic.category.slug)
    instant_action = instant_answer is not None and htmx.requested()
    try:
        action(found, topic)
    except ForumError as error:
        if instant_action:
            return _refused(error)
        _fail(error)
    else:
        commit()
        if instant_action:
            return instant_answer(found, topic)
        if message:
            flash(message, "success")
    if found.is_opening_post and found.deleted_at is not None:
        return redirect(category_url)
    return redirect(_topic_url(topic, _anchor=f"post-{found.id}"))


def _refused(error: ForumError) -> Any:
    """A refused instant action: its message in place (a 404's says the post is gone)."""
    db.session.rollback()
    status = error.status if 400 <= error.status < 500 else 400
    return render_error(status, None if status == 404 else str(error.message))


@blueprint.post("/p/<int:post_id>/vote")
@login_required
@limiter.limit(_vote_limit, key_func=_user_key)
def vote(post_id: int) -> Any:
    return _post_action(
        post_id,
        lambda p, t: voting.vote(current_user, p),
        instant_answer=lambda p, t: instant.after_vote(current_user, p, t, voted=True),
    )


@blueprint.post("/p/<int:post_id>/unvote")
@login_required
@limiter.limit(_vote_limit, key_func=_user_key)
def unvote(post_id: int) -> Any:
    return _post_action(
        post_id,
        lambda p, t: voting.retract_vote(current_user, p),
        instant_answer=lambda p, t: instant.after_vote(current_user, p, t, voted=False),
    )


@blueprint.post("/p/<int:post_id>/accept")
@login_required
def accept(post_id: int) -> Any:
    previous: list[int | None] = []

    def choose(post: Post, topic: Topic) -> None:
        previous.append(topic.accepted_post_id)
        solutions.accept_answer(current_user, topic, post)

    return _post_action(
        post_id,
        choose,
        _("Marked as the solution."),
        lambda p, t: instant.after_solution(current_user, p, t, previous[0]),
    )


@blueprint.post("/p/<int:post_id>/unaccept")
@login_required
def unaccept(post_id: int) -> Any:
    previous: list[int | None] = []

    def clear(post: Post, topic: Topic) -> None:
        previous.append(topic.accepted_post_id)
        solutions.unaccept_answer(current_user, topic)

    return _post_action(
        post_id, clear, None, lambda p, t: instant.after_solution(current_user, p, t, previous[0])
    )


@blueprint.route("/p/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id: int) -> Any:
    found, topic = _editable_post(post_id)
    if request.method == "POST" and found.author_id == current_user.id:
        # One's own post: the confirmation page's button (or, with htmx, the post's own
        # Delete once the browser asked), no reason asked.
        category_url = url_for("forum.category", slug=topic.category.slug)
        return _post_action(
            post_id,
            lambda p, t: delete_post(current_user, p),
            _("Deleted."),
            lambda p, t: _after_own_delete(p, category_url),
        )
    return removal_views.confirm(found, topic, restore=False, done_url=_after_removal)


def _after_own_delete(found: Post, category_url: str) -> Any:
    if found.is_opening_post:
        # The whole topic went: to its category, as without htmx.
        flash(_("Deleted."), "success")
        response = instant.after_delete(found)
        response.headers["HX-Redirect"] = category_url
        return response
    return instant.after_delete(found)


@blueprint.route("/p/<int:post_id>/restore", methods=["GET", "POST"])
@login_required
def restore(post_id: int) -> Any:
    found, topic = _editable_post(post_id)
    return removal_views.confirm(found, topic, restore=True, done_url=_after_removal)


def _after_removal(found: Post, topic: Topic) -> str:
    if found.is_opening_post and found.deleted_at is not None:
        return url_for("forum.category", slug=topic.category.slug)
    return _topic_url(topic, _anchor=f"post-{found.id}")


@blueprint.post("/t/<int:topic_id>/follow")
@login_required
def follow(topic_id: int) -> Any:
    return _set_following(topic_id, True)


@blueprint.post("/t/<int:topic_id>/unfollow")
@login_required
def unfollow(topic_id: int) -> Any:
    return _set_following(topic_id, False)


def _set_following(topic_id: int, following: bool) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    found, _opening = _visible_topic(topic_id)
    set_following(current_user, found, following)
    commit()
    if htmx.requested():
        return instant.after_follow(found, following)
    return redirect(_topic_url(found))
