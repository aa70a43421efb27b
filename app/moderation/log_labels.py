"""What the audit log shows of its raw entries: action names, targets, before and after.

The rows keep the raw codes (the CSV exports them as they are); the page says them in
the reader's language.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

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


def readable_change(values: dict[str, Any] | None) -> list[tuple[str, str]]:
    """A before/after dict as (name, value) pairs to read, not JSON."""
    if not values:
        return []
    shown = []
    for key, value in values.items():
        if isinstance(value, bool):
            text = str(_l("yes") if value else _l("no"))
        elif value is None:
            text = "—"
        elif isinstance(value, list | tuple):
            text = ", ".join(map(str, value))
        else:
            text = str(value)
        shown.append((key.replace("_", " "), text))
    return shown
