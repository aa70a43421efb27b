"""Flagging a post and the managers' pages under /manage."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import csvsafe, htmx
from app.core.events import commit
from app.core.forms import ActionForm
from app.core.permissions import requires
from app.core.user_input import bounded_int
from app.extensions import db
from app.forum import visibility
from app.forum.errors import ForumError
from app.forum.models import Post
from app.moderation import first_posts as first_posts_module
from app.moderation import log_labels, queries, services
from app.moderation.forms import REASON_LABELS, DecisionForm, FlagForm
from app.moderation.services import ModerationError

blueprint = Blueprint("moderation", __name__)

LOG_PER_PAGE = 50


def _flaggable_post(post_id: int) -> Post:
    post = queries.post_by_id(post_id)
    if post is None or post.deleted_at is not None:
        abort(404)
    # The topic as its reader may read it (its category; deleted, or its opening post
    # hidden, for moderators only), and a hidden post for moderators only too.
    readable = visibility.readable_topic(current_user, post.topic_id) is not None
    if not readable or (post.hidden_at and not current_user.can("post.view_deleted")):
        abort(404)
    return post


@blueprint.route("/p/<int:post_id>/flag", methods=["GET", "POST"])
@login_required
def flag(post_id: int) -> Any:
    """The flag form: its page, or with htmx the form in place of the post's Flag link
    and, once sent, its thanks."""
    post = _flaggable_post(post_id)
    if post.author_id == current_user.id:
        abort(403)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            services.flag_post(current_user, post, form.reason.data or "", form.note.data or "")
        except ModerationError as error:
            db.session.rollback()
            if error.status == 404:
                abort(404)
            form.reason.errors = [*form.reason.errors, str(error.message)]
        else:
            commit()
            thanks = _("Thank you: the moderators will look at this post.")
            if htmx.requested():
                flag_thanks = get_template_attribute("moderation/_flag_form.html", "flag_thanks")
                return htmx.fragment(flag_thanks(post))
            flash(thanks, "success")
            return redirect(url_for("forum.post", post_id=post.id))
    status = 422 if form.errors else 200
    if htmx.requested():
        flag_form = get_template_attribute("moderation/_flag_form.html", "flag_form")
        return htmx.fragment(flag_form(form, post, True), status)
    return render_template("moderation/flag.html", form=form, post=post), status


@blueprint.get("/manage/queue")
@requires("flag.review")
def queue() -> str:
    return render_template(
        "moderation/queue.html",
        items=queries.flagged_posts(current_user),
        reports=queries.open_voting_reports(),
        hidden=queries.recently_hidden(current_user),
        form=DecisionForm(),
        reason_labels=REASON_LABELS,
    )


_DECISIONS = {
    "approve": services.approve_post,
    "hide": services.hide_post,
    "delete": services.delete_post,
}


def _decide_on_post(post_id: int, action: Any, done: str, back: str) -> Any:
    """A queue decision on one post: check the form, call the service, come back."""
    if action is None:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        # The queue lists many posts, each with its reason box: the error comes back as a
        # message on the list (a reason with control characters, say).
        unclear = _("The request could not be understood. Go back and try again.")
        flash(" ".join(map(str, form.reason.errors)) or unclear, "error")
        return redirect(url_for(back))
    post = queries.post_by_id(post_id)
    if post is None:
        abort(404)
    try:
        action(current_user, post, (form.reason.data or "").strip())
    except (ModerationError, ForumError) as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        commit()
        flash(done, "success")
    return redirect(url_for(back))


@blueprint.post("/manage/queue/post/<int:post_id>/<decision>")
@requires("flag.review")
def decide(post_id: int, decision: str) -> Any:
    done = {
        "approve": _("Approved: the post is shown and its flags are rejected."),
        "hide": _("Hidden: the flags are upheld and the post stays hidden."),
        "delete": _("Deleted: the flags are upheld and the post is removed."),
    }.get(decision, "")
    return _decide_on_post(post_id, _DECISIONS.get(decision), done, "moderation.queue")


# Where Unhide sends the moderator back to: the page it was pressed on.
_UNHIDE_BACK = {"queue": "moderation.queue", "log": "moderation.log"}


@blueprint.post("/p/<int:post_id>/unhide")
@requires("flag.review")
def unhide(post_id: int) -> Any:
    """Show a hidden post again: from its topic page, the queue's history or the log."""
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    post = queries.post_by_id(post_id)
    if post is None:
        abort(404)
    try:
        shown = services.unhide_post(current_user, post, (form.reason.data or "").strip())
    except ModerationError as error:
        db.session.rollback()
        abort(error.status)
    commit()
    flash(_("The post is shown again.") if shown else _("This post was not hidden."),
          "success" if shown else "info")  # fmt: skip
    back = _UNHIDE_BACK.get(request.args.get("back", ""))
    return redirect(url_for(back) if back else url_for("forum.post", post_id=post.id))


@blueprint.post("/manage/queue/report/<int:report_id>/reviewed")
@requires("flag.review")
def report_reviewed(report_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    report = queries.voting_report_by_id(report_id)
    if report is None:
        abort(404)
    services.review_voting_report(current_user, report)
    commit()
    flash(_("Marked as reviewed."), "success")
    return redirect(url_for("moderation.queue"))


def _log_filters() -> dict[str, Any]:
    target = request.args.get("target", "").strip()
    return {
        "actor": request.args.get("actor", "").strip()[:32],
        "action": request.args.get("action", "").strip()[:48],
        "target": bounded_int(target),
        "target_type": request.args.get("type", "").strip()[:32],
        "text": request.args.get("q", "").strip()[:100],
    }


@blueprint.get("/manage/log")
@requires("manage.access")
def log() -> str:
    page = request.args.get("page", 1, type=int) or 1
    if page < 1 or page > 10_000:
        abort(404)
    filters = _log_filters()
    entries = queries.audit_log(
        page=page, per_page=current_app.config.get("AUDIT_LOG_PER_PAGE", LOG_PER_PAGE), **filters
    )
    hidden = queries.still_hidden({
        entry.target_id for entry, _name in entries.items
        if entry.target_type == "post" and entry.target_id and entry.action in _HIDING
    }) if current_user.can("flag.review") else set()  # fmt: skip
    names = queries.usernames({
        entry.target_id for entry, _name in entries.items
        if entry.target_type == "user" and entry.target_id
    })  # fmt: skip
    categories = queries.category_names({
        value for entry, _name in entries.items for change in (entry.before, entry.after)
        if isinstance(change, dict) and isinstance(value := change.get("category_id"), int)
    }, current_user)  # fmt: skip
    return render_template(
        "moderation/log.html", entries=entries, actions=queries.audit_actions(),
        still_hidden=hidden, form=DecisionForm(), target_names=names,
        action_label=log_labels.action_label, target_link=log_labels.target_link,
        readable=lambda values: log_labels.readable_change(values, {"category_id": categories}),
        zone=current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC", **filters,
    )  # fmt: skip


# The log's entries that hid a post: Unhide is offered on them while the post stays hidden.
_HIDING = frozenset({"post.hide", "post.auto_hide"})


LOG_CSV_COLUMNS = ("when", "who", "action", "target_type", "target_id", "before", "after",
                   "reason")  # fmt: skip


@blueprint.get("/manage/log.csv")
@requires("manage.access")
def log_csv() -> Response:
    """The filtered log as CSV. Rows are streamed from the database into a spooled file
    (memory up to a few megabytes, then disk), so a long log never sits in memory."""
    rows = queries.audit_rows(**_log_filters())
    return csvsafe.rows_download(LOG_CSV_COLUMNS, ([
        entry.created_at.isoformat(), username or "system", entry.action,
        entry.target_type, entry.target_id or "",
        json.dumps(entry.before) if entry.before else "",
        json.dumps(entry.after) if entry.after else "", entry.reason,
    ] for entry, username in rows), "tribune-audit-log.csv")  # fmt: skip


@blueprint.get("/manage/first-posts")
@requires("post.review_first")
def first_posts() -> str:
    return render_template(
        "moderation/first_posts.html",
        items=first_posts_module.held_posts(current_user),
        form=DecisionForm(),
    )


_FIRST_POST_DECISIONS = {"approve": first_posts_module.approve, "reject": first_posts_module.reject}


@blueprint.post("/manage/first-posts/<int:post_id>/<decision>")
@requires("post.review_first")
def decide_first_post(post_id: int, decision: str) -> Any:
    done = _("Approved: the post is shown.") if decision == "approve" else _("Rejected.")
    return _decide_on_post(
        post_id, _FIRST_POST_DECISIONS.get(decision), done, "moderation.first_posts"
    )
