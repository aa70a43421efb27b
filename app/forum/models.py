"""Categories, topics, posts, revisions, helpful votes, tags and topic follows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.types import UTCDateTime
from app.extensions import db

TOPIC_KINDS = ("question", "discussion")


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # Only members holding this capability see the category (e.g. the ambassadors' lounge).
    required_capability: Mapped[str | None] = mapped_column(String(64))
    topic_count: Mapped[int] = mapped_column(default=0)
    post_count: Mapped[int] = mapped_column(default=0)
    last_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Bumped with every change its topic lists show (topic_state.touch_topic and
    # change_category): the key under which the category and home pages are cached.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # Archived (category_changes.archive_category): no new topics, gone from the lists of
    # categories; its page and its topics stay readable by link.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


topic_tags = Table(
    "topic_tags",
    db.metadata,
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)


class Topic(db.Model):
    __tablename__ = "topics"
    __table_args__ = (
        # The category page: visible topics, pinned first, latest activity first.
        Index("ix_topics_category_activity", "category_id", "pinned", "last_posted_at"),
        Index("ix_topics_last_posted_at", "last_posted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="question")
    title: Mapped[str] = mapped_column(String(200))
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    view_count: Mapped[int] = mapped_column(default=0)
    # Bumped by every change its page shows (posts, edits, votes, solution, lock...):
    # the key under which anonymous visitors' copies of the page are cached.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # Answers or replies, not counting the opening post or deleted posts.
    reply_count: Mapped[int] = mapped_column(default=0)
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_poster_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Closed as a duplicate of this topic (and locked); None when open.
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), index=True
    )

    category: Mapped[Category] = relationship(lazy="raise")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")
    last_poster: Mapped[User | None] = relationship(foreign_keys=[last_poster_id], lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=topic_tags, order_by=Tag.name)

    @property
    def is_question(self) -> bool:
        return self.kind == "question"

    @property
    def is_solved(self) -> bool:
        return self.accepted_post_id is not None


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_topic_position", "topic_id", "position"),
        Index("ix_posts_author_created", "author_id", "created_at"),
        UniqueConstraint("topic_id", "position"),
        # The few topics whose opening post is hidden (visibility.hidden_opening): without
        # it PostgreSQL reads every post to find none (a search, a topic list).
        Index(
            "ix_posts_hidden_openings",
            "topic_id",
            postgresql_where=text("hidden_at IS NOT NULL AND position = 0"),
            sqlite_where=text("hidden_at IS NOT NULL AND position = 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # 0 is the opening post (the question); answers and replies follow.
    position: Mapped[int] = mapped_column()
    reply_to_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    # A comment on the post it replies to (imported, e.g. from Stack Exchange): not an
    # answer, not a reply in a discussion; it counts on its own in the ambassador score.
    is_comment: Mapped[bool] = mapped_column(default=False, server_default=false())
    body_source: Mapped[str] = mapped_column(Text)
    # "markdown" as members write; "html" for bodies imported as HTML (Stack Exchange).
    body_format: Mapped[str] = mapped_column(
        String(8), default="markdown", server_default="markdown"
    )
    # Cooked once at write time; pages show it as it is.
    body_html: Mapped[str] = mapped_column(Text)
    # Title (for the opening post) and body in search normal form; see core.text.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The topic's title in search normal form on the opening post, "" on the others: the
    # column search weighs more (app/forum/search.py).
    search_title: Mapped[str] = mapped_column(Text, default="", server_default="")
    vote_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    edit_count: Mapped[int] = mapped_column(default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Hidden until reviewed (flags, a moderator): invisible to members, shown to moderators.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str | None] = mapped_column(String(64))

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")

    @property
    def is_opening_post(self) -> bool:
        return self.position == 0


class PostRevision(db.Model):
    """A post as it was before an edit; number 1 is the original."""

    __tablename__ = "post_revisions"
    __table_args__ = (UniqueConstraint("post_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    title: Mapped[str | None] = mapped_column(String(200))
    body_source: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    editor: Mapped[User] = relationship(lazy="raise")


class PostVote(db.Model):
    """A helpful vote: one per member per post."""

    __tablename__ = "post_votes"
    __table_args__ = (Index("ix_post_votes_user_created", "user_id", "created_at"),)

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class AnonymousVote(db.Model):
    """A helpful vote brought in from another system that did not say who cast it.

    Stack Exchange dumps publish votes without voters. Such a vote counts for the post
    and its author (points at its date, the post's vote count) without an invented
    member account; it is never anyone's vote to retract.
    """

    __tablename__ = "anonymous_votes"
    __table_args__ = (
        UniqueConstraint("source", "source_key", name="uq_anonymous_votes_source_key"),
        Index("ix_anonymous_votes_post", "post_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Where it came from (the import's source name) and its id there: importing twice
    # adds nothing twice.
    source: Mapped[str] = mapped_column(String(64))
    source_key: Mapped[str] = mapped_column(String(128))


class TopicFollow(db.Model):
    """A member's choice to be notified about a topic; following=False sticks after unfollow."""

    __tablename__ = "topic_follows"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    following: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
