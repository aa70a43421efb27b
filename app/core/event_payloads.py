"""What each domain event says: one frozen dataclass per signal of app/core/events.py.

A sender builds one and ``events.queue()``s it; every handler and listener receives that
same object. A field forgotten, misspelt or added on one side fails where the payload
is built, not in a listener later. Fields hold plain values (ids, kinds, timestamps),
never ORM objects, so a handler loads what it needs itself; lists are tuples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, kw_only=True)
class UserRegistered:
    """A member account was created."""

    user_id: int
    username: str
    registration_ip: str | None  # None: not signed up from a browser (the command line)
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class RoleChanged:
    """A member's role changed."""

    user_id: int
    old_role: str
    new_role: str
    changed_by_id: int | None  # None: the command line
    reason: str
    changed_at: datetime


@dataclass(frozen=True, kw_only=True)
class MemberSuspended:
    """A moderator suspended a member (their account can read but not write)."""

    user_id: int
    moderator_id: int
    # None: until lifted, the removal of an account for abuse; else when it ends.
    until: datetime | None
    reason: str
    suspended_at: datetime


@dataclass(frozen=True, kw_only=True)
class ExternalSignalsStored:
    """Signals from outside the forum (purchases, reviews...) were stored for members."""

    # (member, kind) once each, for the rows of one batch (duplicates included).
    signals: tuple[tuple[int, str], ...]
    stored_at: datetime


@dataclass(frozen=True, kw_only=True)
class TopicCreated:
    """A topic was started (its opening post released, if it was held for review)."""

    topic_id: int
    post_id: int  # the opening post
    author_id: int
    category_id: int
    kind: str  # "question" or "discussion"
    mentioned_user_ids: tuple[int, ...]  # members @mentioned in the opening post
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class PostCreated:
    """An answer or reply was posted (not the opening post: see TopicCreated)."""

    post_id: int
    topic_id: int
    author_id: int
    topic_author_id: int
    topic_kind: str  # "question" or "discussion"
    category_id: int
    reply_to_post_id: int | None  # the post it answers, if any
    mentioned_user_ids: tuple[int, ...]  # members @mentioned in the post
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class PostEdited:
    """A post's body (or, for an opening post, its topic's title) changed."""

    post_id: int
    topic_id: int
    author_id: int
    editor_id: int  # the author, or a moderator or helper
    revision_number: int
    reason: str
    edited_at: datetime


@dataclass(frozen=True, kw_only=True)
class PostDeleted:
    """A post was soft-deleted (for the opening post, the whole topic)."""

    post_id: int
    topic_id: int
    author_id: int
    deleted_by_id: int
    is_opening_post: bool
    deleted_at: datetime


@dataclass(frozen=True, kw_only=True)
class PostRestored:
    """A soft-deleted post came back."""

    post_id: int
    topic_id: int
    author_id: int
    restored_by_id: int


@dataclass(frozen=True, kw_only=True)
class VoteCast:
    """A member marked a post helpful."""

    post_id: int
    topic_id: int
    voter_id: int
    author_id: int  # the post's author
    is_opening_post: bool
    topic_kind: str  # "question" or "discussion"
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class VoteRetracted:
    """A helpful vote was withdrawn."""

    post_id: int
    topic_id: int
    voter_id: int
    author_id: int  # the post's author
    is_opening_post: bool
    topic_kind: str  # "question" or "discussion"
    retracted_at: datetime


@dataclass(frozen=True, kw_only=True)
class AnswerAccepted:
    """An answer was marked as the solution."""

    topic_id: int
    post_id: int
    answer_author_id: int
    accepted_by_id: int
    question_author_id: int
    previous_post_id: int | None  # the solution it replaced, if any
    # The topic's revision once accepted: one acceptance, one value, whatever the moment.
    topic_revision: int
    accepted_at: datetime


@dataclass(frozen=True, kw_only=True)
class AnswerUnaccepted:
    """An answer stopped being the solution (un-marked or replaced)."""

    topic_id: int
    post_id: int
    answer_author_id: int
    unaccepted_by_id: int
    unaccepted_at: datetime


@dataclass(frozen=True, kw_only=True)
class TopicChanged:
    """A moderator or helper changed a topic."""

    topic_id: int
    actor_id: int
    author_id: int
    # "move", "retag", "lock", "unlock", "pin", "unpin", "close_duplicate", "reopen",
    # "merge" or "split"
    action: str
    before: dict[str, Any]  # the changed fields as they were
    after: dict[str, Any]  # and as they are
    reason: str
    changed_at: datetime


@dataclass(frozen=True, kw_only=True)
class ActionTaken:
    """A member of staff did something the audit log must show, in a package that
    cannot write it (API tokens, point values): ``events.queue_audit()``."""

    actor_id: int | None  # None: the command line
    action: str  # "api_token.create", "settings.points"...
    target_type: str
    target_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class HistoryImported:
    """Forum rows were written in bulk (the demo seed, an import) without an event per
    action; handlers derive what they keep from the rows themselves."""
