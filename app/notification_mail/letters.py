"""The notification mail itself: subject, plain text and HTML, in the member's language.

One mail lists one member's notifications (grouped, or the day's digest); each kind it
holds gets its own unsubscribe link in the footer, and the List-Unsubscribe header
(RFC 8058 one-click) stops every kind the mail holds: the mail's own subjects, no more.
Every link is absolute, built from BASE_URL (core.urls.external_url).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext

from app.accounts.models import User
from app.core.notifications import Notification
from app.core.urls import external_url
from app.notification_mail import tokens
from app.notification_mail.settings import DIGEST, kinds_by_key

# A mail lists this many notifications; the rest are one link away.
MAX_LISTED = 20


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str
    language: str
    headers: dict[str, str]


def language_of(member: User) -> str:
    if member.locale in current_app.config["LANGUAGES"]:
        return str(member.locale)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def compose(member: User, items: list[Notification], email_kinds: list[str], mode: str) -> Letter:
    """The mail telling ``member`` of ``items`` (their email kinds: ``email_kinds``)."""
    language = language_of(member)
    known = kinds_by_key()
    kinds = [key for key in known if key in set(email_kinds)]  # the registry's order
    with force_locale(language):
        listed = [
            {"message": item.message,
             "url": external_url("notifications.open_one", notification_id=item.id)}
            for item in items[:MAX_LISTED]
        ]  # fmt: skip
        stops = [
            {"label": str(known[key].label), "url": tokens.unsubscribe_url(member.id, [key])}
            for key in kinds
        ]
        context: dict[str, Any] = {
            "name": member.username,
            "language": language,
            "items": listed,
            "more": len(items) - len(listed),
            "digest": mode == DIGEST,
            "stops": stops,
            "all_url": external_url("notifications.index"),
            "settings_url": external_url("accounts.edit_profile") + "#notification-email",
        }
        subject = _subject(items, mode)
        text = _render("notification_mail/mail.txt", context)
        html = _render("notification_mail/mail.html", context)
    one_click = tokens.unsubscribe_url(member.id, kinds)
    headers = {
        "List-Unsubscribe": f"<{one_click}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # Out-of-office responders and the like do not answer it (RFC 3834).
        "Auto-Submitted": "auto-generated",
    }
    return Letter(subject, text, html, language, headers)


def _subject(items: list[Notification], mode: str) -> str:
    if mode == DIGEST:
        return ngettext(
            "Your day in the community: %(num)d notification",
            "Your day in the community: %(num)d notifications",
            len(items),
        )
    if len(items) == 1:
        return items[0].message
    return ngettext("%(num)d new notification", "%(num)d new notifications", len(items))


def _render(template: str, context: dict[str, Any]) -> str:
    # The template alone, without the request's context processors: a job has no
    # request, and the mail needs nothing but what it is given. .html autoescapes.
    return current_app.jinja_env.get_template(template).render(**context)
