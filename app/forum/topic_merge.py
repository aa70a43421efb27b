"""Merging two topics and splitting replies into a new topic, keeping every post.

Posts change topic with their votes, revisions and ledger entries (points are tied to
posts and members, so nobody gains or loses any); counts follow. A merged topic is
soft-deleted and points to the topic it went into, whose page its address now opens.
Moderators only (``topic.merge``). Callers commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.text import search_normal_form
from app.extensions import db
from app.forum.errors import Forbidden, ForumError, NotFound
from app.forum.models import Category, Post, Topic, TopicFollow
from app.forum.services import _check_title, can_see_category
from app.forum.topic_actions import _changed
from app.forum.topic_state import change_category, touch_topic

MAX_SPLIT = 200


def _require(actor: User) -> None:
    if not actor.can("topic.merge"):
        raise Forbidden(_l("You are not allowed to do that."))


def _move_counts(category_id: int, topics: int, posts: int) -> None:
    change_category(
        category_id,
        topic_count=Category.topic_count + topics,
        post_count=Category.post_count + posts,
    )


def _expire_loaded_posts() -> None:
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, Post):
            db.session.expire(instance)


def merge_topics(actor: User, source: Topic, target: Topic | None, reason: str = "") -> None:
    """Move every post of ``source`` to the end of ``target`` and retire ``source``."""
    _require(actor)
    if source.deleted_at is not None:
        raise NotFound()
    if target is None or target.deleted_at is not None:
        raise ForumError(_l("No such topic."), field="target")
    if target.id == source.id:
        raise ForumError(_l("A topic cannot be merged into itself."), field="target")
    category = db.session.get(Category, target.category_id)
    if category is None or not can_see_category(actor, category):
        raise ForumError(_l("No such topic."), field="target")
    offset = db.session.scalar(
        select(func.coalesce(func.max(Post.position), 0) + 1).where(Post.topic_id == target.id)
    )
    moved_live = 1 + source.reply_count  # the opening post and its live replies
    post_ids = list(db.session.scalars(select(Post.id).where(Post.topic_id == source.id)))
    # Every new position is past the target's last one: no (topic, position) collision.
    db.session.execute(
        update(Post)
        .where(Post.topic_id == source.id)
        # The source's opening post becomes a reply: its title no longer weighs in search.
        .values(topic_id=target.id, position=Post.position + offset, search_title="")
        .execution_options(synchronize_session=False)
    )
    if target.accepted_post_id is None and source.accepted_post_id is not None:
        target.accepted_post_id = source.accepted_post_id
    target.reply_count += moved_live
    target.last_posted_at = max(target.last_posted_at, source.last_posted_at)
    _move_counts(source.category_id, -1, -moved_live)
    _move_counts(target.category_id, 0, moved_live)
    followers = select(TopicFollow.user_id).where(
        TopicFollow.topic_id == source.id, TopicFollow.following
    )
    for user_id in db.session.scalars(followers).all():
        if db.session.get(TopicFollow, (target.id, user_id)) is None:
            db.session.add(TopicFollow(topic_id=target.id, user_id=user_id, following=True))
    at = now_utc()
    source.deleted_at, source.duplicate_of_id = at, target.id
    source.accepted_post_id, source.reply_count = None, 0
    _expire_loaded_posts()  # they were moved in SQL
    _changed(actor, source, "merge", {"topic_id": source.id},
             {"into_topic_id": target.id, "post_ids": post_ids}, reason)  # fmt: skip
    touch_topic(target.id)


def split_topic(
    actor: User,
    source: Topic,
    post_ids: Iterable[int],
    *,
    title: str,
    category: Category | None = None,
    reason: str = "",
) -> Topic:
    """Move some replies of ``source`` into a new topic; the earliest opens it."""
    _require(actor)
    if source.deleted_at is not None:
        raise NotFound()
    title = _check_title(title)
    wanted = sorted(set(post_ids))
    if not wanted:
        raise ForumError(_l("Choose the replies to move."), field="post_ids")
    if len(wanted) > MAX_SPLIT:
        raise ForumError(_l("At most %(n)d replies at once.", n=MAX_SPLIT), field="post_ids")
    posts = list(
        db.session.scalars(
            select(Post)
            .where(Post.topic_id == source.id, Post.id.in_(wanted), Post.position > 0)
            .order_by(Post.position)
        )
    )
    if len(posts) != len(wanted):
        raise ForumError(_l("Only replies of this topic can be moved."), field="post_ids")
    if posts[0].deleted_at is not None:
        raise ForumError(_l("The first reply moved opens the new topic: restore it first."),
                         field="post_ids")  # fmt: skip
    category = category or db.session.get(Category, source.category_id)
    if category is None or not can_see_category(actor, category):
        raise ForumError(_l("Unknown category."), field="category")
    opening = posts[0]
    live = [post for post in posts if post.deleted_at is None]
    new = Topic(
        category_id=category.id,
        author_id=opening.author_id,
        kind=source.kind,
        title=title,
        created_at=opening.created_at,
        last_posted_at=max(post.created_at for post in live),
        last_poster_id=live[-1].author_id,
        reply_count=len(live) - 1,
    )
    db.session.add(new)
    db.session.flush()
    # Out of the way first (negative positions are free in both topics), then in order.
    for index, post in enumerate(posts):
        post.position = -1 - index
    db.session.flush()
    for index, post in enumerate(posts):
        post.topic_id, post.position = new.id, index
        if index == 0:
            # It opens the topic now: searchable by the new title too.
            post.reply_to_post_id = None
            post.search_text = search_normal_form(f"{title} {post.body_source}")
            post.search_title = search_normal_form(title)
    if source.accepted_post_id in {post.id for post in posts}:
        source.accepted_post_id = None
    source.reply_count -= len(live)
    _move_counts(source.category_id, 0, -len(live))
    _move_counts(category.id, 1, len(live))
    db.session.flush()
    _changed(actor, source, "split", {"post_ids": [p.id for p in posts]},
             {"new_topic_id": new.id}, reason)  # fmt: skip
    return new
