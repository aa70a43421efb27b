"""What the audit log shows of its raw entries: action names, targets, before and after.

The rows keep the raw codes (the CSV exports them as they are); the page says them in
the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.permissions import role_label

ACTION_LABELS: dict[str, Any] = {
    "post.approve": _l("Post approved"),
    "post.hide": _l("Post hidden"),
    "post.auto_hide": _l("Post hidden by its flags"),
    "post.unhide": _l("Post shown again"),
    "post.delete": _l("Post deleted"),
    "post.restore": _l("Post restored"),
    "post.edit": _l("Post edited"),
    "post.approve_first": _l("First post approved"),
    "post.reject_first": _l("First post rejected"),
    "flag.create": _l("Post flagged"),
    "answer.accept": _l("Solution chosen"),
    "topic.move": _l("Topic moved"),
    "topic.retag": _l("Topic retagged"),
    "topic.lock": _l("Topic locked"),
    "topic.unlock": _l("Topic unlocked"),
    "topic.pin": _l("Topic pinned"),
    "topic.unpin": _l("Topic unpinned"),
    "topic.close_duplicate": _l("Closed as a duplicate"),
    "topic.reopen": _l("Topic reopened"),
    "topic.merge": _l("Topics merged"),
    "topic.split": _l("Topic split"),
    "user.warn": _l("Member warned"),
    "user.silence": _l("Member silenced"),
    "user.suspend": _l("Member suspended"),
    "user.lift": _l("Sanction lifted"),
    "user.role": _l("Role changed"),
    "ambassador.promote": _l("Made ambassador by hand"),
    "ambassador.demote": _l("Ambassador status removed by hand"),
    "ambassador.unpin": _l("Ambassador decision unpinned"),
    "voting_report.review": _l("Voting report reviewed"),
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
    "settings.points": _l("Point values changed"),
    "category.create": _l("Category created"),
    "category.edit": _l("Category edited"),
    "category.move": _l("Category moved in the order"),
    "category.archive": _l("Category archived"),
    "category.unarchive": _l("Category unarchived"),
    "job.run": _l("Job run by hand"),
}


def register_action_labels(app: Flask, labels: dict[str, Any]) -> None:
    """Labels for the actions a higher package audits (campaigns...), per application."""
    app.extensions.setdefault("tribune.audit_labels", {}).update(labels)


def action_label(action: str) -> str:
    """The action in the reader's language; an action without a label as it is stored."""
    label = ACTION_LABELS.get(action)
    if label is None:
        label = current_app.extensions.get("tribune.audit_labels", {}).get(action)
    return str(label) if label is not None else action


# What the before/after keys the lower packages write are called (higher packages
# register theirs: register_audit_terms).
FIELD_LABELS: dict[str, Any] = {
    "status": _l("Status"),
    "pinned": _l("Pinned"),
    "hidden": _l("Hidden"),
    "deleted": _l("Deleted"),
    "reason": _l("Reason"),
    "revision": _l("Revision"),
    "role": _l("Role"),
    "accepted_post_id": _l("Solution"),
    "topic_id": _l("Topic"),
    "into_topic_id": _l("Merged into"),
    "new_topic_id": _l("New topic"),
    "duplicate_of_id": _l("Duplicate of"),
    "post_ids": _l("Posts"),
    "category_id": _l("Category"),
    "tags": _l("Tags"),
    "locked": _l("Locked"),
    "flags_rejected": _l("Flags rejected"),
    "flags_upheld": _l("Flags upheld"),
    "suspended_until": _l("Suspended until"),
    "silenced_until": _l("Silenced until"),
    "suspended": _l("Suspended"),
    "silenced": _l("Silenced"),
    "job": _l("Job"),
    "outcome": _l("Outcome"),
}
# Keys whose value is a post's or a topic's id: shown as "post 12", "topic 7".
_POST_KEYS = frozenset({"accepted_post_id"})
_TOPIC_KEYS = frozenset({"topic_id", "into_topic_id", "new_topic_id", "duplicate_of_id"})
# Stored codes the log shows in words, per key.
VALUE_LABELS: dict[str, dict[str, Any]] = {
    "status": {
        "member": _l("member"),
        "ambassador": _l("ambassador"),
        "open": _l("open"),
        "reviewed": _l("reviewed"),
    },
    "outcome": {
        "success": _l("succeeded"),
        "failed": _l("failed"),
        "skipped": _l("skipped: already running"),
    },
    "reason": {
        "spam": _l("spam"),
        "offensive": _l("offensive"),
        "off_topic": _l("off topic"),
        "other": _l("other"),
    },
}


@dataclass(frozen=True)
class TargetKind:
    """What a target is called ("%(n)s": its id) and, when it has one, the page it opens:
    its endpoint, the argument taking the id, the capability the page needs."""

    label: Any
    endpoint: str | None = None
    argument: str | None = None
    capability: str | None = None


# Members are shown by name, apart (the page looks their names up).
TARGET_KINDS: dict[str, TargetKind] = {
    "post": TargetKind(_l("post %(n)s"), "forum.post", "post_id"),
    "topic": TargetKind(_l("topic %(n)s"), "forum.topic", "topic_id"),
    "api_token": TargetKind(_l("API token %(n)s")),
    "settings": TargetKind(_l("settings")),
    "job_run": TargetKind(_l("job run %(n)s")),
    "user": TargetKind(_l("member %(n)s")),
}


def register_audit_terms(
    app: Flask,
    fields: dict[str, Any] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    targets: dict[str, TargetKind] | None = None,
) -> None:
    """The words for a higher package's before/after keys, stored codes and targets."""
    terms = app.extensions.setdefault("tribune.audit_terms", {"fields": {}, "values": {},
                                                              "targets": {}})  # fmt: skip
    terms["fields"].update(fields or {})
    for key, labels in (values or {}).items():
        terms["values"].setdefault(key, {}).update(labels)
    terms["targets"].update(targets or {})


def _terms() -> dict[str, Any]:
    return current_app.extensions.get(
        "tribune.audit_terms", {"fields": {}, "values": {}, "targets": {}}
    )


def field_label(key: str) -> str:
    """A before/after key in words; an unknown key with its underscores as spaces."""
    label = FIELD_LABELS.get(key) or _terms()["fields"].get(key)
    return str(label) if label is not None else key.replace("_", " ")


def _value_label(key: str, value: str) -> str | None:
    label = VALUE_LABELS.get(key, {}).get(value) or _terms()["values"].get(key, {}).get(value)
    if label is None and key == "role":
        return role_label(value)
    return str(label) if label is not None else None


def target_link(kind: str, target_id: int | None) -> tuple[str, str | None]:
    """A target in words, and the address of its page when it has one that the reader
    may open."""
    found = TARGET_KINDS.get(kind) or _terms()["targets"].get(kind)
    if found is None:
        return f"{kind} {target_id or ''}".strip(), None
    text = (str(found.label) % {"n": target_id or ""}).strip()
    if found.endpoint is None or not target_id:
        return text, None
    if found.capability and not current_user.can(found.capability):
        return text, None
    return text, url_for(found.endpoint, **{found.argument or "id": target_id})


def readable_change(
    values: dict[str, Any] | None, names: dict[str, dict[int, str]] | None = None
) -> list[tuple[str, str]]:
    """A before/after dict as (name, value) pairs to read, not JSON. ``names`` gives the
    names of ids the page looked up (``{"category_id": {4: "Espresso"}}``)."""
    if not values:
        return []
    return [(field_label(key), _readable_value(key, value, names or {}))
            for key, value in values.items()]  # fmt: skip


def _readable_value(key: str, value: Any, names: dict[str, dict[int, str]]) -> str:
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_readable_value(key, item, names) for item in value)
    if isinstance(value, int) and value in names.get(key, {}):
        return names[key][value]
    if isinstance(value, int) and key in _POST_KEYS:
        return str(_l("post %(n)s", n=value))
    if isinstance(value, int) and key in _TOPIC_KEYS:
        return str(_l("topic %(n)s", n=value))
    if isinstance(value, int) and key == "category_id":
        return str(_l("category %(n)s", n=value))
    if isinstance(value, str):
        label = _value_label(key, value)
        if label is not None:
            return label
        when = _as_time(value) if key.endswith(("_at", "_until")) else None
        if when is not None:
            return format_datetime(when, "short")
    return str(value)


def _as_time(value: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
