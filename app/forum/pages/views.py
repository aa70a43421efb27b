"""Forum pages: parse the request, call one service, render or redirect."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.core import submissions
from app.core.events import commit
from app.core.forms import TribuneForm
from app.core.templating import slugify
from app.extensions import db, limiter
from app.forum import services, visibility
from app.forum.categories import visible_categories
from app.forum.errors import ForumError, InvalidFields
from app.forum.models import Post, Topic
from app.forum.pages import editor_views, list_parts, queries, topic_parts
from app.forum.pages.forms import EditForm, ReplyForm, TopicForm
from app.forum.review_hold import is_held, opening_post_is_held
from app.forum.search import SearchFilters, search_topics, similar_questions

blueprint = Blueprint("forum", __name__)


def _viewer() -> Any:
    """The member (the object, not the proxy: list pages read it several times), or None."""
    user = current_user._get_current_object()
    return user if user.is_authenticated else None


def _page_arg() -> int:
    page = request.args.get("page", 1, type=int) or 1
    if page < 1 or page > 10_000:
        abort(404)
    return page


def _post_limit() -> str:
    return current_app.config["POST_LIMIT_PER_USER"]


def _vote_limit() -> str:
    return current_app.config["VOTE_LIMIT_PER_USER"]


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr


def _fail(error: ForumError, form: TribuneForm | None = None) -> bool:
    """Roll back and show a domain error: on the form field if there is one, else abort."""
    db.session.rollback()
    errors = error.errors if isinstance(error, InvalidFields) else [error]
    fields = [getattr(form, e.field or "", None) if form is not None else None for e in errors]
    if all(field is not None for field in fields):
        for field, each in zip(fields, errors, strict=True):
            field.errors = [*field.errors, str(each.message)]
        return True
    if error.status in (403, 404):
        abort(error.status)
    flash(str(error.message), "error")
    return False


def _visible_topic(topic_id: int) -> tuple[Topic, Post]:
    found = visibility.readable_topic(_viewer(), topic_id)
    if found is None:
        abort(404)
    return found


def _topic_url(topic: Topic, **kwargs: Any) -> str:
    return url_for("forum.topic", topic_id=topic.id, slug=slugify(topic.title), **kwargs)


@blueprint.get("/")
def home() -> bytes:
    return list_parts.home(_viewer()).bytes()


@blueprint.get("/c/<slug>")
def category(slug: str) -> bytes:
    found = list_parts.category_by_slug(slug)
    if found is None or not services.can_see_category(_viewer(), found):
        abort(404)
    filter_ = request.args.get("filter", "latest")
    if filter_ not in queries.TOPIC_FILTERS:
        filter_ = "latest"
    per_page = current_app.config["TOPICS_PER_PAGE"]
    return list_parts.category(_viewer(), found, filter_, _page_arg(), per_page).bytes()


@blueprint.get("/tags/<name>")
def tag(name: str) -> bytes:
    found = queries.tag_by_name(name)
    if found is None:
        abort(404)
    per_page = current_app.config["TOPICS_PER_PAGE"]
    return list_parts.tag(_viewer(), found, _page_arg(), per_page).bytes()


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit(_post_limit, key_func=_user_key, methods=["POST"])
def new_topic() -> Any:
    if not current_user.can("topic.create"):
        abort(403)
    choices = visible_categories(current_user)
    form = TopicForm()
    form.category.choices = [SelectChoice(c.id, c.name) for c in choices]
    if request.method == "GET" and request.args.get("category"):
        form.category.data = next(
            (c.id for c in choices if c.slug == request.args["category"]), None
        )
    preview = None  # the Preview button (no JavaScript): the form again, with its preview
    if form.validate_on_submit() and (preview := editor_views.preview_of(form)) is None:
        chosen = next((c for c in choices if c.id == form.category.data), None)
        if chosen is None:
            form.category.errors = [_("Choose a category.")]
        elif sent_before := submissions.first_result(form.submission.data):
            return redirect(sent_before)
        else:
            try:
                topic = services.create_topic(
                    current_user,
                    chosen,
                    title=form.title.data or "",
                    body=form.body.data or "",
                    kind=form.kind.data or "question",
                    tags=form.tags.data or "",
                )
            except ForumError as error:
                _fail(error, form)
            else:
                held = opening_post_is_held(topic.id)
                result = url_for("forum.category", slug=chosen.slug) if held else _topic_url(topic)
                submissions.remember(result)
                commit()
                if held:
                    flash(_held_message(), "info")
                return editor_views.mark_posted(redirect(result), "new-topic")
    status = 422 if form.errors else 200
    return render_template("forum/new_topic.html", form=form, preview=preview), status


def _held_message() -> str:
    return _("Thank you! As a newcomer, your first post is shown once a moderator approves it.")


@blueprint.get("/t/<int:topic_id>")
@blueprint.get("/t/<int:topic_id>/<slug>")
def topic(topic_id: int, slug: str | None = None) -> Any:
    shown = topic_parts.for_viewer(
        _viewer(),
        topic_id,
        order=request.args.get("order", "helpful"),
        page_number=_page_arg(),
        per_page=current_app.config["POSTS_PER_PAGE"],
    )
    if shown is None:
        abort(404)
    if isinstance(shown, topic_parts.Moved):
        return redirect(url_for("forum.topic", topic_id=shown.topic_id), 301)
    return shown.bytes()


@blueprint.post("/t/<int:topic_id>/reply")
@login_required
@limiter.limit(_post_limit, key_func=_user_key)
def reply(topic_id: int) -> Any:
    found, _opening = _visible_topic(topic_id)
    form = ReplyForm()
    if form.validate_on_submit():
        if (preview := editor_views.preview_of(form)) is not None:
            # The Preview button (no JavaScript): the form again, its text and its preview.
            status = 422 if form.errors else 200
            page = render_template("forum/reply.html", topic=found, form=form, preview=preview)
            return page, status
        if sent_before := submissions.first_result(form.submission.data):
            return redirect(sent_before)
        try:
            post = services.reply(current_user, found, body=form.body.data or "")
        except ForumError as error:
            if not _fail(error, form):
                return redirect(_topic_url(found))
        else:
            held = is_held(post)
            result = _topic_url(found) if held else url_for("forum.post", post_id=post.id)
            submissions.remember(result)
            commit()
            if held:
                flash(_held_message(), "info")
            return editor_views.mark_posted(redirect(result), f"reply-{found.id}")
    # Show the form again with what was typed and the error: nothing is lost.
    return render_template("forum/reply.html", topic=found, form=form, preview=None), 422


@blueprint.get("/p/<int:post_id>")
def post(post_id: int) -> Any:
    """The topic page that holds this post, scrolled to it."""
    found = queries.post_by_id(post_id)
    if found is None:
        abort(404)
    topic, _opening = _visible_topic(found.topic_id)
    if found.hidden_at is not None and not (_viewer() and current_user.can("post.view_deleted")):
        abort(404)
    if not found.is_opening_post and found.id != topic.accepted_post_id:
        # By date, the page a post sits on follows from how many answers come before it.
        page = queries.answers_before(found) // current_app.config["POSTS_PER_PAGE"] + 1
        return redirect(_topic_url(topic, order="date", page=page, _anchor=f"post-{post_id}"))
    return redirect(_topic_url(topic, _anchor=f"post-{post_id}"))


def _editable_post(post_id: int) -> tuple[Post, Topic]:
    found = queries.post_by_id(post_id)
    if found is None:
        abort(404)
    topic, _opening = _visible_topic(found.topic_id)
    gone = found.deleted_at is not None or found.hidden_at is not None
    if gone and not current_user.can("post.view_deleted"):
        abort(404)
    return found, topic


@blueprint.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> Any:
    found, topic = _editable_post(post_id)
    if not services.can_edit(current_user, found):
        abort(403)
    form = EditForm()
    if request.method == "GET":
        form.body.data = found.body_source
        form.title.data = topic.title
    preview = None  # the Preview button (no JavaScript): the form again, with its preview
    body_format = found.body_format or "markdown"
    if (
        form.validate_on_submit()
        and (preview := editor_views.preview_of(form, body_format)) is None
    ):
        try:
            services.edit_post(
                current_user,
                found,
                body=form.body.data or "",
                title=form.title.data if found.is_opening_post else None,
                reason=form.reason.data or "",
            )
        except ForumError as error:
            _fail(error, form)
        else:
            commit()
            return redirect(url_for("forum.post", post_id=found.id))
    status = 422 if form.errors else 200
    page = render_template("forum/edit.html", form=form, post=found, topic=topic, preview=preview)
    return page, status


@blueprint.get("/p/<int:post_id>/history")
def history(post_id: int) -> str:
    found = queries.post_by_id(post_id)
    if found is None:
        abort(404)
    topic, _opening = _visible_topic(found.topic_id)
    gone = found.deleted_at is not None or found.hidden_at is not None
    if gone and not (_viewer() and current_user.can("post.view_deleted")):
        abort(404)
    revisions = queries.revisions(found)
    return render_template("forum/history.html", post=found, topic=topic, revisions=revisions)


def _search_limit() -> str:
    return current_app.config["SEARCH_LIMIT_PER_IP"]


def _similar_limit() -> str:
    return current_app.config["SEARCH_SIMILAR_LIMIT_PER_IP"]


def _too_many_searches() -> str:
    return _("You searched many times in a short while. Wait a minute, then search again.")


def _too_many_similar() -> str:
    return _("Similar questions are paused for a moment: too many searches in a short while.")


@blueprint.get("/search")
@limiter.limit(_search_limit, error_message=_too_many_searches)
def search() -> str:
    query = request.args.get("q", "").strip()[:200]
    filters = SearchFilters.from_args(request.args)
    results = search_topics(
        _viewer(),
        query,
        page=_page_arg(),
        per_page=current_app.config["SEARCH_RESULTS_PER_PAGE"],
        filters=filters,
    )
    return render_template(
        "forum/search.html",
        query=query,
        results=results,
        filters=filters,
        categories=visible_categories(_viewer()),
    )


@blueprint.get("/search/similar")
@limiter.limit(_similar_limit, error_message=_too_many_similar)
def similar() -> str:
    """Questions like the title being typed (the new-topic form asks, through htmx)."""
    hits = similar_questions(_viewer(), request.args.get("title", "")[:200])
    return render_template("forum/_similar_questions.html", hits=hits)
