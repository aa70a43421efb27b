"""The "manage topic" page: move, retag, lock, pin, close as duplicate (moderators, helpers)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.core.events import commit
from app.core.user_input import bounded_int
from app.extensions import db
from app.forum import topic_actions, topic_merge, visibility
from app.forum.categories import visible_categories
from app.forum.errors import ForumError
from app.forum.models import Topic
from app.forum.pages import queries
from app.forum.pages.forms import (
    DuplicateForm,
    MergeForm,
    MoveForm,
    ReopenForm,
    RetagForm,
    SplitForm,
    TopicFlagForm,
)
from app.forum.pages.views import _fail, _topic_url, _visible_topic

blueprint = Blueprint("topic_admin", __name__)

CAPABILITIES = topic_actions.MANAGE_CAPABILITIES
may_manage = topic_actions.may_manage
_TOPIC_NUMBER = re.compile(r"(?:/t/)?([0-9]{1,20})(?:[/?#].*)?$")


def _topic(topic_id: int) -> Topic:
    if not may_manage(current_user):
        abort(403)
    topic, _opening = _visible_topic(topic_id)
    return topic


def _move_form(submitted: bool = True) -> MoveForm:
    form = MoveForm() if submitted else MoveForm(formdata=None)
    categories = visible_categories(current_user)
    form.category.choices = [SelectChoice(c.id, c.name) for c in categories]
    return form


def _page(topic: Topic, code: int = 200, **forms: Any) -> tuple[str, int]:
    move = forms.get("move") or _move_form(submitted=False)
    if not forms.get("move"):
        move.category.data = topic.category_id
    retag = forms.get("retag") or RetagForm(formdata=None)
    if not forms.get("retag"):
        retag.tags.data = ", ".join(tag.name for tag in topic.tags)
    return render_template(
        "forum/manage_topic.html",
        topic=topic,
        move=move,
        retag=retag,
        duplicate=forms.get("duplicate") or DuplicateForm(formdata=None),
        merge=forms.get("merge") or MergeForm(formdata=None),
        split=forms.get("split") or SplitForm(formdata=None),
        replies=(
            queries.splittable_replies(topic, topic_merge.MAX_SPLIT)
            if current_user.can("topic.merge")
            else []
        ),
        flag_form=forms.get("flag") or TopicFlagForm(formdata=None),
        reopen_form=ReopenForm(formdata=None),
        original=_original(topic),
    ), code


def _original(topic: Topic) -> Topic | None:
    """The topic this one duplicates, if the manager may read it (else they may only
    reopen this one, without being told the original's title)."""
    if topic.duplicate_of_id is None or not visibility.can_read_topic(
        current_user, topic.duplicate_of_id
    ):
        return None
    return queries.topic_by_id(topic.duplicate_of_id)


def _topic_from(text: str | None) -> Topic | None:
    match = _TOPIC_NUMBER.search((text or "").strip())
    # A number past the id column's range names no topic (PostgreSQL would refuse it).
    topic_id = bounded_int(match.group(1)) if match else None
    return queries.topic_by_id(topic_id) if topic_id is not None else None


@blueprint.get("/t/<int:topic_id>/manage")
@login_required
def manage(topic_id: int) -> tuple[str, int]:
    return _page(_topic(topic_id))


def _done(topic: Topic, changed: bool, done: str) -> Any:
    commit()
    flash(done if changed else _("Nothing to change."), "success" if changed else "info")
    return redirect(_topic_url(topic))


@blueprint.post("/t/<int:topic_id>/manage/move")
@login_required
def move(topic_id: int) -> Any:
    topic = _topic(topic_id)
    form = _move_form()
    if not form.validate_on_submit():
        return _page(topic, 422, move=form)
    category = queries.category_by_id(form.category.data)
    try:
        if category is None:
            raise ForumError(_("Unknown category."), field="category")
        changed = topic_actions.move_topic(current_user, topic, category, form.reason.data or "")
    except ForumError as error:
        _fail(error, form)
        return _page(topic, 422, move=form)
    return _done(topic, changed, _("Topic moved."))


@blueprint.post("/t/<int:topic_id>/manage/retag")
@login_required
def retag(topic_id: int) -> Any:
    topic = _topic(topic_id)
    form = RetagForm()
    if not form.validate_on_submit():
        return _page(topic, 422, retag=form)
    try:
        changed = topic_actions.retag_topic(
            current_user, topic, form.tags.data or "", form.reason.data or ""
        )
    except ForumError as error:
        _fail(error, form)
        return _page(topic, 422, retag=form)
    return _done(topic, changed, _("Tags saved."))


@blueprint.post("/t/<int:topic_id>/manage/duplicate")
@login_required
def duplicate(topic_id: int) -> Any:
    topic = _topic(topic_id)
    form = DuplicateForm()
    if not form.validate_on_submit():
        return _page(topic, 422, duplicate=form)
    original = _topic_from(form.original.data)
    try:
        topic_actions.close_as_duplicate(current_user, topic, original, form.reason.data or "")
    except ForumError as error:
        _fail(error, form)
        return _page(topic, 422, duplicate=form)
    return _done(topic, True, _("Closed as a duplicate."))


@blueprint.post("/t/<int:topic_id>/manage/merge")
@login_required
def merge(topic_id: int) -> Any:
    topic = _topic(topic_id)
    form = MergeForm()
    if not form.validate_on_submit():
        return _page(topic, 422, merge=form)
    target = _topic_from(form.target.data)
    try:
        topic_merge.merge_topics(current_user, topic, target, form.reason.data or "")
    except ForumError as error:
        _fail(error, form)
        return _page(topic, 422, merge=form)
    assert target is not None
    return _done(target, True, _("Topics merged."))


@blueprint.post("/t/<int:topic_id>/manage/split")
@login_required
def split(topic_id: int) -> Any:
    topic = _topic(topic_id)
    form = SplitForm()
    if not form.validate_on_submit():
        return _page(topic, 422, split=form)
    ids = [i for v in request.form.getlist("post_ids") if (i := bounded_int(v)) is not None]
    try:
        new = topic_merge.split_topic(
            current_user, topic, ids, title=form.title.data or "", reason=form.reason.data or ""
        )
    except ForumError as error:
        if error.field == "post_ids":
            db.session.rollback()
            form.title.errors = [*form.title.errors, str(error.message)]
        else:
            _fail(error, form)
        return _page(topic, 422, split=form)
    return _done(new, True, _("Posts moved into a new topic."))


_FLAG_ACTIONS = {
    "lock": topic_actions.lock_topic,
    "unlock": topic_actions.unlock_topic,
    "pin": topic_actions.pin_topic,
    "unpin": topic_actions.unpin_topic,
    "reopen": topic_actions.reopen_duplicate,
}


# Lazy: the message is said in the request's language.
_FLAG_DONE = {
    "lock": lambda: _("Topic locked."),
    "unlock": lambda: _("Topic unlocked."),
    "pin": lambda: _("Topic pinned."),
    "unpin": lambda: _("Topic unpinned."),
    "reopen": lambda: _("Topic reopened."),
}


@blueprint.post("/t/<int:topic_id>/manage/<action>")
@login_required
def set_flag(topic_id: int, action: str) -> Any:
    act = _FLAG_ACTIONS.get(action)
    if act is None:
        abort(404)
    topic = _topic(topic_id)
    form = TopicFlagForm()
    if not form.validate_on_submit():
        return _page(topic, 422, flag=form)
    try:
        changed = act(current_user, topic, form.reason.data or "")
    except ForumError as error:
        _fail(error)
        return redirect(url_for("topic_admin.manage", topic_id=topic.id))
    return _done(topic, changed, _FLAG_DONE[action]())
