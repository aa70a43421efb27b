"""Moderation state changes: flags, queue decisions, the audit log. Callers commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.badges.awards import after_flags_upheld
from app.badges.models import VotingReport
from app.core.clock import now_utc
from app.core.sql import savepoint
from app.extensions import db
from app.forum import deletion, topic_state
from app.forum.models import Post
from app.moderation.models import FLAG_REASONS, AuditEntry, Flag


class ModerationError(Exception):
    """A user-caused moderation error; ``status`` is the HTTP answer."""

    def __init__(self, message: object, status: int = 400) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status


def record_audit(
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = "",
    at: datetime | None = None,
) -> AuditEntry:
    """Add an audit row (the caller commits); the reason is cut to its column's length."""
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
        reason=(reason or "")[:300],
        created_at=at or now_utc(),
    )
    db.session.add(entry)
    return entry


def audit(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    return record_audit(
        actor.id if actor is not None else None, action, target_type, target_id,
        before=before, after=after, reason=reason,
    )  # fmt: skip


def _post_state(post: Post) -> dict[str, Any]:
    return {"hidden": post.hidden_at is not None, "deleted": post.deleted_at is not None}


def flag_weight(user: User, reason: str = "") -> float:
    """A member's flag weighs 1, a helper's 2; a moderator's, or a helper's spam flag,
    hides the post at once (a moderator restores it from the queue if they disagree)."""
    if user.can("flag.review") or (reason == "spam" and user.can("flag.hide_spam")):
        return float(current_app.config["FLAG_HIDE_THRESHOLD"])
    if user.can("post.hide"):
        return 2.0
    return 1.0


def open_weight(post_id: int) -> float:
    total = db.session.scalar(
        select(func.coalesce(func.sum(Flag.weight), 0.0)).where(
            Flag.post_id == post_id, Flag.status == "open"
        )
    )
    return float(total or 0.0)


def flag_post(flagger: User, post: Post, reason: str, note: str = "") -> Flag:
    """Flag a post; hides it when its open flags weigh enough (a moderator's at once)."""
    if not flagger.can("post.flag"):
        raise ModerationError(_l("You may not flag posts."), status=403)
    if post.deleted_at is not None:
        raise ModerationError(_l("Not found."), status=404)
    if post.author_id == flagger.id:
        raise ModerationError(_l("You cannot flag your own post."), status=403)
    if reason not in FLAG_REASONS:
        raise ModerationError(_l("Choose a reason."))
    note = note.strip()[:1000]
    if reason == "other" and not note:
        raise ModerationError(_l("Tell the moderators what is wrong."))
    moderator = flagger.can("flag.review")
    config = current_app.config
    if not moderator:
        posts = db.session.scalar(
            select(func.count(Post.id)).where(
                Post.author_id == flagger.id, Post.deleted_at.is_(None)
            )
        )
        if (posts or 0) < config["FLAG_MIN_POSTS"]:
            raise ModerationError(
                _l("Take part in the community a little before flagging posts."), status=403
            )
        since = now_utc() - timedelta(days=1)
        today = db.session.scalar(
            select(func.count(Flag.id)).where(
                Flag.flagger_id == flagger.id, Flag.created_at > since
            )
        )
        if (today or 0) >= config["FLAGS_PER_DAY"]:
            raise ModerationError(
                _l("You have reached today's limit of flags. Thank you!"), status=429
            )
    flag = Flag(
        post_id=post.id,
        flagger_id=flagger.id,
        reason=reason,
        note=note,
        weight=flag_weight(flagger, reason),
        created_at=now_utc(),
        status="open",
    )
    try:
        with savepoint():
            db.session.add(flag)
    except IntegrityError:
        raise ModerationError(_l("You have already flagged this post."), status=409) from None
    audit(flagger, "flag.create", "post", post.id, after={"reason": reason}, reason=note)
    helper_spam = not moderator and reason == "spam" and flagger.can("flag.hide_spam")
    if post.hidden_at is None and (
        moderator or open_weight(post.id) >= float(config["FLAG_HIDE_THRESHOLD"])
    ):
        before = _post_state(post)
        why = "helper_spam" if helper_spam else "flags"
        topic_state.hide_post(post, why)
        audit(
            flagger if moderator or helper_spam else None,
            "post.auto_hide",
            "post",
            post.id,
            before=before,
            after=_post_state(post),
            reason=why,
        )
    return flag


def _resolve_flags(moderator: User, post: Post, status: str) -> list[int]:
    """Resolve the post's open flags; returns the flaggers' ids."""
    flagger_ids = list(
        db.session.scalars(
            select(Flag.flagger_id).where(Flag.post_id == post.id, Flag.status == "open")
        )
    )
    db.session.execute(
        update(Flag)
        .where(Flag.post_id == post.id, Flag.status == "open")
        .values(status=status, resolved_by_id=moderator.id, resolved_at=now_utc())
    )
    return flagger_ids


def _credit_flaggers(flagger_ids: list[int]) -> None:
    if not flagger_ids:
        return
    totals = db.session.execute(
        select(Flag.flagger_id, func.count(Flag.id))
        .where(Flag.flagger_id.in_(flagger_ids), Flag.status == "upheld")
        .group_by(Flag.flagger_id)
    ).all()
    for flagger_id, total in totals:
        after_flags_upheld(flagger_id, total)


def _require_reviewer(moderator: User) -> None:
    if not moderator.can("flag.review"):
        raise ModerationError(_l("You may not do that."), status=403)


def approve_post(moderator: User, post: Post, reason: str = "") -> None:
    """The flags were wrong: reject them and show the post again."""
    _require_reviewer(moderator)
    before = _post_state(post)
    flaggers = _resolve_flags(moderator, post, "rejected")
    if post.hidden_at is not None:
        topic_state.unhide_post(post)
    audit(
        moderator,
        "post.approve",
        "post",
        post.id,
        before=before,
        after={**_post_state(post), "flags_rejected": len(flaggers)},
        reason=reason,
    )


def hide_post(moderator: User, post: Post, reason: str = "") -> None:
    """The flags were right: uphold them and keep the post hidden."""

    def keep_hidden() -> None:
        if post.hidden_at is None:
            topic_state.hide_post(post, "moderator")

    _uphold(moderator, post, "post.hide", keep_hidden, reason)


def unhide_post(moderator: User, post: Post, reason: str = "") -> bool:
    """Show a hidden post again (from its page, the queue's history or the audit log); its
    open flags, if any, are rejected. False when it was not hidden (a second click)."""
    _require_reviewer(moderator)
    # One UPDATE decides: two moderators unhiding at once make one change and one entry.
    shown = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.hidden_at.is_not(None))
        .values(hidden_at=None, hidden_reason=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not shown:
        return False
    db.session.refresh(post)
    topic_state.unhide_post(post)  # touches the topic: its cached page changes
    flaggers = _resolve_flags(moderator, post, "rejected")
    audit(
        moderator,
        "post.unhide",
        "post",
        post.id,
        before={"hidden": True},
        after={**_post_state(post), "flags_rejected": len(flaggers)},
        reason=reason,
    )
    return True


def delete_post(moderator: User, post: Post, reason: str = "") -> None:
    """Uphold the flags and soft-delete the post (its points are reversed by the ledger)."""
    _uphold(moderator, post, "post.delete", lambda: deletion.delete_post(moderator, post), reason)


def _uphold(
    moderator: User, post: Post, action: str, apply: Callable[[], None], reason: str
) -> None:
    """Uphold a post's open flags, apply the decision, audit it, credit the flaggers."""
    _require_reviewer(moderator)
    before = _post_state(post)
    flaggers = _resolve_flags(moderator, post, "upheld")
    apply()
    audit(
        moderator,
        action,
        "post",
        post.id,
        before=before,
        after={**_post_state(post), "flags_upheld": len(flaggers)},
        reason=reason,
    )
    db.session.flush()
    _credit_flaggers(flaggers)


def review_voting_report(moderator: User, report: VotingReport, note: str = "") -> None:
    _require_reviewer(moderator)
    if report.status != "open":
        return
    report.status = "reviewed"
    report.resolved_by_id = moderator.id
    report.resolved_at = now_utc()
    if note:
        report.note = note
    audit(
        moderator,
        "voting_report.review",
        "voting_report",
        report.id,
        before={"status": "open"},
        after={"status": "reviewed"},
        reason=note,
    )
