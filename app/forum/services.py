"""Every forum state change. Callers commit with app.core.events.commit()."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core import events
from app.core.clock import now_utc
from app.core.event_payloads import (
    AnswerUnaccepted,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostRestored,
    TopicCreated,
)
from app.core.permissions import CAPABILITIES
from app.core.sql import insert_for, savepoint
from app.core.text import find_mentions, render_body
from app.core.urls import path_for
from app.extensions import db
from app.forum import visibility
from app.forum.models import (
    TOPIC_KINDS,
    Category,
    Post,
    PostRevision,
    Tag,
    Topic,
    TopicFollow,
)

TAG_RE = re.compile(r"^[a-z0-9][a-z0-9+#.-]{0,31}$")
MAX_TAGS = 5


class ForumError(Exception):
    """A user-caused forum error; ``field`` names the form field, ``status`` the HTTP answer."""

    def __init__(self, message: object, field: str | None = None, status: int = 400) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.status = status


class NotFound(ForumError):
    def __init__(self) -> None:
        super().__init__(_l("Not found."), status=404)


class Forbidden(ForumError):
    def __init__(self, message: object = None) -> None:
        super().__init__(message or _l("You may not do that."), status=403)


def can_read(user: User | None, required_capability: str | None) -> bool:
    """Whether a member (or a visitor, None) may read a category needing this capability."""
    return visibility.can_read(user, required_capability)


def can_see_category(user: User | None, category: Category) -> bool:
    return can_read(user, category.required_capability)


def require(user: User, capability: str) -> None:
    """Raise Forbidden unless ``user`` holds ``capability``."""
    if not user.can(capability):
        raise Forbidden()


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


def parse_tags(raw: str | Iterable[str]) -> list[str]:
    """Tag names from "a, b c" or a list: lower case, unique, checked."""
    parts = re.split(r"[\s,]+", raw) if isinstance(raw, str) else list(raw)
    names = list(dict.fromkeys(p.strip().lower().lstrip("#") for p in parts if p.strip()))
    if len(names) > MAX_TAGS:
        raise ForumError(_l("At most %(n)d tags.", n=MAX_TAGS), field="tags")
    for name in names:
        if not TAG_RE.match(name):
            raise ForumError(
                _l("Tags are up to 32 letters, digits, '+', '#', '.' or '-': %(t)s", t=name),
                field="tags",
            )
    return names


def tags_by_name(names: list[str]) -> list[Tag]:
    if not names:
        return []
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    for name in names:
        if name not in existing:
            # A concurrent writer may create the same tag: a savepoint keeps our work safe.
            try:
                with savepoint():
                    tag = Tag(name=name)
                    db.session.add(tag)
                existing[name] = tag
            except IntegrityError:
                existing[name] = db.session.scalars(select(Tag).where(Tag.name == name)).one()
    return [existing[name] for name in names]


def _mention_links(names: Iterable[str]) -> dict[str, str]:
    names = list(names)
    if not names:
        return {}
    found = db.session.execute(
        select(User.username_key, User.username).where(
            User.username_key.in_([n.lower() for n in names])
        )
    ).all()
    by_key = dict(found)
    return {
        name: path_for("accounts.profile", username=by_key[name.lower()])
        for name in names
        if name.lower() in by_key
    }


def mentioned_user_ids(source: str) -> list[int]:
    keys = [n.lower() for n in find_mentions(source)]
    if not keys:
        return []
    return list(db.session.scalars(select(User.id).where(User.username_key.in_(keys))))


def _cook_into(post: Post, body: str, title: str | None) -> None:
    post.body_source = body
    # An imported HTML body stays HTML when edited.
    post.body_html, post.search_text = render_body(
        body, post.body_format or "markdown", title or "", _mention_links
    )


def touch_topic(topic_id: int) -> None:
    """Mark the topic's page as changed (see Topic.revision), and the lists that show it
    (its category's revision); other packages call it too."""
    db.session.execute(
        update(Topic).where(Topic.id == topic_id).values(revision=Topic.revision + 1)
    )
    category_id = select(Topic.category_id).where(Topic.id == topic_id).scalar_subquery()
    change_category(category_id)


def change_category(category_id: Any, **values: Any) -> None:
    """Update a category's counts (``values``, SQL expressions) and bump its revision,
    under which its topic lists are cached (list_parts.py): every change a list shows
    goes through here or touch_topic."""
    db.session.execute(
        update(Category)
        .where(Category.id == category_id)
        .values(**values, revision=Category.revision + 1)
        .execution_options(synchronize_session=False)
    )


def lock_topic(topic: Topic) -> None:
    """Serialise changes to one topic and read it afresh.

    A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite, so a
    second request (a double click) waits here and then sees what the first stored.
    """
    db.session.execute(update(Topic).where(Topic.id == topic.id).values(revision=Topic.revision))
    db.session.refresh(topic)


def hide_post(post: Post, reason: str) -> None:
    """Hide a post until it is reviewed (the moderation package decides when)."""
    if post.hidden_at is None:
        post.hidden_at = now_utc()
    post.hidden_reason = reason[:64]
    touch_topic(post.topic_id)
    db.session.flush()


def unhide_post(post: Post) -> None:
    post.hidden_at = None
    post.hidden_reason = None
    touch_topic(post.topic_id)
    db.session.flush()


def _follow(topic_id: int, user_id: int) -> None:
    """Follow a topic unless the member already chose (follow or unfollow)."""
    db.session.execute(
        insert_for(TopicFollow)
        .values(topic_id=topic_id, user_id=user_id, following=True)
        .on_conflict_do_nothing(index_elements=["topic_id", "user_id"])
    )


HELD_REASON = "first_post"


def _held_for_review(author: User) -> bool:
    """A silenced member's posts wait for review; with HOLD_FIRST_POSTS, so do a member's
    until one is approved."""
    if author.is_silenced():
        return True
    if not current_app.config["HOLD_FIRST_POSTS"] or author.role != "member":
        return False
    if author.can("post.review_first"):
        return False
    visible = select(Post.id).where(
        Post.author_id == author.id, Post.hidden_at.is_(None), Post.deleted_at.is_(None)
    )
    return db.session.scalar(visible.limit(1)) is None


def _hold(post: Post) -> None:
    post.hidden_at = post.created_at
    post.hidden_reason = HELD_REASON


def is_held(post: Post) -> bool:
    return post.hidden_at is not None and post.hidden_reason == HELD_REASON


def _queue_created(topic: Topic, post: Post) -> None:
    """The creation event of a post, when it is written or when a held one is released."""
    mentioned = tuple(mentioned_user_ids(post.body_source))
    if post.is_opening_post:
        events.queue(
            TopicCreated(
                topic_id=topic.id,
                post_id=post.id,
                author_id=post.author_id,
                category_id=topic.category_id,
                kind=topic.kind,
                mentioned_user_ids=mentioned,
                created_at=post.created_at,
            )
        )
        return
    events.queue(
        PostCreated(
            post_id=post.id,
            topic_id=topic.id,
            author_id=post.author_id,
            topic_author_id=topic.author_id,
            topic_kind=topic.kind,
            category_id=topic.category_id,
            reply_to_post_id=post.reply_to_post_id,
            mentioned_user_ids=mentioned,
            created_at=post.created_at,
        )
    )


def opening_post_is_held(topic_id: int) -> bool:
    reason = db.session.scalar(
        select(Post.hidden_reason).where(Post.topic_id == topic_id, Post.position == 0)
    )
    return reason == HELD_REASON


def release_held_post(post: Post) -> None:
    """A reviewer approved a held first post: show it and send its creation event now."""
    if not is_held(post) or post.deleted_at is not None:
        raise ForumError(_l("This post is not waiting for review."))
    topic = db.session.get(Topic, post.topic_id)
    assert topic is not None
    unhide_post(post)
    _queue_created(topic, post)


def reject_held_post(actor: User, post: Post) -> None:
    """A reviewer refused a held first post: it is deleted (a held topic with it)."""
    if not is_held(post) or post.deleted_at is not None:
        raise ForumError(_l("This post is not waiting for review."))
    topic = db.session.get(Topic, post.topic_id)
    assert topic is not None
    _soft_delete(actor, post, topic)


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
    if kind not in TOPIC_KINDS:
        raise ForumError(_l("Choose question or discussion."), field="kind")
    title = _check_title(title)
    body = _check_body(body)
    tag_names = parse_tags(tags)
    at = now_utc()
    held = _held_for_review(author)
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
    _follow(topic.id, author.id)
    if held:
        _hold(post)
    else:
        _queue_created(topic, post)
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
    held = _held_for_review(author)
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
    _follow(topic.id, author.id)
    if held:
        _hold(post)
    else:
        _queue_created(topic, post)
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


def clear_solution(topic: Topic, actor: User) -> None:
    """Take away the question's solution, if any (no rights checked: callers do)."""
    if topic.accepted_post_id is None:
        return
    previous = db.session.get(Post, topic.accepted_post_id)
    topic.accepted_post_id = None
    if previous is not None:
        events.queue(
            AnswerUnaccepted(
                topic_id=topic.id,
                post_id=previous.id,
                answer_author_id=previous.author_id,
                unaccepted_by_id=actor.id,
                unaccepted_at=now_utc(),
            )
        )


def _count_post(topic: Topic, post: Post, sign: int) -> None:
    """Take a deleted post out of its topic's and category's counts (-1), or put a
    restored one back (+1); the opening post stands for its whole topic."""
    if post.is_opening_post:
        change_category(
            topic.category_id,
            topic_count=Category.topic_count + sign,
            post_count=Category.post_count + sign * (1 + topic.reply_count),
        )
        return
    # In SQL: a reply written meanwhile must not be lost.
    db.session.execute(
        update(Topic).where(Topic.id == topic.id).values(reply_count=Topic.reply_count + sign)
    )
    if topic.deleted_at is None:  # a deleted topic's posts are already out of the count
        change_category(topic.category_id, post_count=Category.post_count + sign)


def delete_post(actor: User, post: Post) -> None:
    """Soft-delete a post; deleting the opening post deletes the topic."""
    if post.deleted_at is not None:
        return
    if post.author_id != actor.id and not actor.can("post.delete_any"):
        raise Forbidden()
    topic = db.session.get(Topic, post.topic_id)
    assert topic is not None
    if post.is_opening_post and topic.reply_count and not actor.can("post.delete_any"):
        # Deleting a topic takes its answers (and their authors' points) with it.
        raise Forbidden(_l("A question that has answers can only be removed by a moderator."))
    _soft_delete(actor, post, topic)


def _soft_delete(actor: User, post: Post, topic: Topic) -> None:
    at = now_utc()
    post.deleted_at = at
    post.deleted_by_id = actor.id
    if post.is_opening_post:
        topic.deleted_at = at
    # The topic's row before its category's, as every change locks them (deadlocks).
    touch_topic(topic.id)
    _count_post(topic, post, -1)
    if topic.accepted_post_id == post.id:
        clear_solution(topic, actor)
    db.session.flush()
    events.queue(
        PostDeleted(
            post_id=post.id,
            topic_id=topic.id,
            author_id=post.author_id,
            deleted_by_id=actor.id,
            is_opening_post=post.is_opening_post,
            deleted_at=at,
        )
    )


def restore_post(actor: User, post: Post) -> None:
    if post.deleted_at is None:
        return
    require(actor, "post.delete_any")
    topic = db.session.get(Topic, post.topic_id)
    assert topic is not None
    post.deleted_at = None
    post.deleted_by_id = None
    if post.is_opening_post:
        topic.deleted_at = None
    touch_topic(topic.id)
    _count_post(topic, post, +1)
    db.session.flush()
    events.queue(
        PostRestored(
            post_id=post.id, topic_id=topic.id, author_id=post.author_id, restored_by_id=actor.id
        )
    )


def set_following(user: User, topic: Topic, following: bool) -> None:
    """Follow or stop following; one row per member and topic, however many clicks."""
    statement = insert_for(TopicFollow).values(
        topic_id=topic.id, user_id=user.id, following=following
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["topic_id", "user_id"], set_={"following": following}
        )
    )


def create_category(
    name: str,
    slug: str,
    description: str = "",
    position: int = 0,
    required_capability: str | None = None,
) -> Category:
    if required_capability is not None and required_capability not in CAPABILITIES:
        raise ForumError(_l("Unknown capability."), field="required_capability")
    if db.session.scalar(select(Category.id).where(Category.slug == slug)) is not None:
        raise ForumError(_l("This slug is taken."), field="slug")
    category = Category(
        name=name,
        slug=slug,
        description=description,
        position=position,
        required_capability=required_capability,
    )
    db.session.add(category)
    db.session.flush()
    return category
