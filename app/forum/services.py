"""Writing topics and posts: creating, replying, editing. Callers commit with events.commit()."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.core import events
from app.core.clock import now_utc
from app.core.event_payloads import PostEdited
from app.core.text import render_body, search_normal_form
from app.extensions import db
from app.forum import visibility
from app.forum.categories import refuse_archived
from app.forum.errors import Forbidden, ForumError, InvalidFields, NotFound, require
from app.forum.following import follow_by_default
from app.forum.models import TOPIC_KINDS, Category, Post, PostRevision, Topic
from app.forum.review_hold import (
    held_for_review,
    hold,
    queue_created,
)
from app.forum.tags import mention_links, parse_tags, tags_by_name
from app.forum.topic_state import change_category, touch_topic


def can_read(user: User | None, required_capability: str | None) -> bool:
    """Whether a member (or a visitor, None) may read a category needing this capability."""
    return visibility.can_read(user, required_capability)


def can_see_category(user: User | None, category: Category) -> bool:
    return can_read(user, category.required_capability)


def _check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise ForumError(_l("Give your topic a title."), field="title")
    limit = current_app.config["TITLE_MAX_LENGTH"]
    if len(title) > limit:
        raise ForumError(_l("At most %(n)d characters.", n=limit), field="title")
    return title


def _check_body(body: str) -> str:
    if not body.strip():
        raise ForumError(_l("Write something first."), field="body")
    limit = current_app.config["POST_MAX_LENGTH"]
    if len(body) > limit:
        raise ForumError(
            _l("At most %(n)d characters (this has %(m)d).", n=limit, m=len(body)),
            field="body",
        )
    return body


def _check_title_and_body(title: str, body: str) -> tuple[str, str]:
    """Both checked, so that a form sent empty shows every missing field at once."""
    errors: list[ForumError] = []
    try:
        title = _check_title(title)
    except ForumError as error:
        errors.append(error)
    try:
        body = _check_body(body)
    except ForumError as error:
        errors.append(error)
    if len(errors) > 1:
        raise InvalidFields(errors)
    if errors:
        raise errors[0]
    return title, body


def cook_body(body: str, body_format: str = "markdown", title: str = "") -> tuple[str, str]:
    """A post's body as it is saved: (safe HTML, search text), @mentions linked. The one
    function behind saving a post and previewing it, so a preview shows what the post will."""
    return render_body(body, body_format, title, mention_links)


def preview_body(body: str, body_format: str = "markdown") -> str:
    """The HTML ``body`` would show once saved; nothing is written. ForumError (413) past
    the length a post may have."""
    limit = current_app.config["POST_MAX_LENGTH"]
    if len(body) > limit:
        raise ForumError(
            _l("At most %(n)d characters (this has %(m)d).", n=limit, m=len(body)),
            field="body",
            status=413,
        )
    return cook_body(body, "html" if body_format == "html" else "markdown")[0]


def _cook_into(post: Post, body: str, title: str | None) -> None:
    post.body_source = body
    # An imported HTML body stays HTML when edited.
    post.body_html, post.search_text = cook_body(body, post.body_format or "markdown", title or "")
    post.search_title = search_normal_form(title or "")


def create_topic(
    author: User,
    category: Category,
    *,
    title: str,
    body: str,
    kind: str = "question",
    tags: str | Iterable[str] = "",
) -> Topic:
    require(author, "topic.create")
    if not can_see_category(author, category):
        raise NotFound()
    refuse_archived(category)
    if kind not in TOPIC_KINDS:
        raise ForumError(_l("Choose question or discussion."), field="kind")
    title, body = _check_title_and_body(title, body)
    tag_names = parse_tags(tags)
    at = now_utc()
    held = held_for_review(author)
    topic = Topic(
        category_id=category.id,
        author_id=author.id,
        kind=kind,
        title=title,
        created_at=at,
        last_posted_at=at,
        last_poster_id=author.id,
    )
    topic.tags = tags_by_name(tag_names)
    db.session.add(topic)
    db.session.flush()
    post = Post(topic_id=topic.id, author_id=author.id, position=0, created_at=at)
    _cook_into(post, body, title)
    db.session.add(post)
    change_category(
        category.id,
        topic_count=Category.topic_count + 1,
        post_count=Category.post_count + 1,
        last_posted_at=at,
    )
    db.session.flush()
    follow_by_default(topic.id, author.id)
    if held:
        hold(post)
    else:
        queue_created(topic, post)
    return topic


def _check_can_write_in(user: User, topic: Topic) -> None:
    if topic.deleted_at is not None:
        raise NotFound()
    if topic.locked and not user.can("topic.lock"):
        raise ForumError(_l("This topic is locked: no new posts."), status=403)


def reply(author: User, topic: Topic, *, body: str, reply_to: Post | None = None) -> Post:
    """Answer a question or reply in a discussion."""
    require(author, "post.create")
    category = db.session.get(Category, topic.category_id)
    if category is None or not can_see_category(author, category):
        raise NotFound()
    _check_can_write_in(author, topic)
    body = _check_body(body)
    if reply_to is not None and (reply_to.topic_id != topic.id or reply_to.deleted_at):
        raise ForumError(_l("That post is not in this topic."))
    at = now_utc()
    held = held_for_review(author)
    # Updating the topic row first serialises concurrent replies to one topic,
    # so the next position below cannot be taken twice.
    db.session.execute(
        update(Topic)
        .where(Topic.id == topic.id)
        .values(
            reply_count=Topic.reply_count + 1,
            last_posted_at=at,
            last_poster_id=author.id,
            revision=Topic.revision + 1,
        )
    )
    position = db.session.scalar(
        select(func.coalesce(func.max(Post.position), 0) + 1).where(Post.topic_id == topic.id)
    )
    post = Post(
        topic_id=topic.id,
        author_id=author.id,
        position=position,
        reply_to_post_id=reply_to.id if reply_to else None,
        created_at=at,
    )
    _cook_into(post, body, None)
    db.session.add(post)
    change_category(topic.category_id, post_count=Category.post_count + 1, last_posted_at=at)
    db.session.flush()
    follow_by_default(topic.id, author.id)
    if held:
        hold(post)
    else:
        queue_created(topic, post)
    return post


def can_edit(user: User, post: Post) -> bool:
    if post.deleted_at is not None:
        return user.can("post.edit_any") and user.can("post.view_deleted")
    return post.author_id == user.id or user.can("post.edit_any")


def edit_post(
    editor: User, post: Post, *, body: str, title: str | None = None, reason: str = ""
) -> Post:
    """Change a post (and, for the opening post, its topic's title), keeping a revision."""
    if not can_edit(editor, post):
        raise Forbidden()
    topic = db.session.get(Topic, post.topic_id)
    assert topic is not None
    if topic.locked and not editor.can("topic.lock"):
        raise ForumError(_l("This topic is locked: posts can no longer be edited."), status=403)
    body = _check_body(body)
    new_title = _check_title(title) if post.is_opening_post and title is not None else None
    reason = reason.strip()[:300]
    if body == post.body_source and (new_title is None or new_title == topic.title):
        return post
    number = post.edit_count + 1
    db.session.add(
        PostRevision(
            post_id=post.id,
            number=number,
            title=topic.title if post.is_opening_post else None,
            body_source=post.body_source,
            editor_id=editor.id,
            reason=reason,
            created_at=now_utc(),
        )
    )
    if new_title is not None:
        topic.title = new_title
    _cook_into(post, body, topic.title if post.is_opening_post else None)
    post.edit_count = number
    post.edited_at = now_utc()
    touch_topic(topic.id)
    db.session.flush()
    events.queue(
        PostEdited(
            post_id=post.id,
            topic_id=post.topic_id,
            author_id=post.author_id,
            editor_id=editor.id,
            revision_number=number,
            reason=reason,
            edited_at=post.edited_at,
        )
    )
    return post
