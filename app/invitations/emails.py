"""A campaign's email, written once per language with markers that SQL fills per member.

The text and HTML bodies are rendered here, in Python, once for each language (the
campaign's Markdown cooked like a post's), holding two markers: the member's name and
their reply token (in the accept, decline and unsubscribe links). The send's INSERT
... SELECT replaces the markers with each member's values (``replace()`` in SQL), so a
hundred thousand emails cost two renders. Usernames hold only letters, digits and
``_.-``: they need no escaping in HTML. Nothing here names a status: with
AMBASSADOR_STATUS_PUBLIC off, no email says why a member was invited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from flask import current_app
from flask_babel import (
    force_locale,
    format_date,
    format_datetime,
    format_time,
    to_user_timezone,
)
from flask_babel import gettext as _

from app.core.text import cook
from app.invitations.models import EVENT_KINDS, Campaign

NAME = "{name}"  # also what staff write in their message
TOKEN = "[[tribune:token]]"
MARKERS = (TOKEN,)


@dataclass(frozen=True)
class Letter:
    """One language's email, with the markers still in it."""

    language: str
    subject: str
    text: str
    html: str


def reply_path(token: str, answer: str) -> str:
    """Where an emailed reply link leads (the confirmation page; its POST acts)."""
    return f"/invitations/reply/{token}/{answer}"


def unsubscribe_path(token: str) -> str:
    """The one-click unsubscribe link: the invitation's reply token names the member, and
    keeps working after the reply deadline and after a reply (RFC 8058's POST acts)."""
    return f"/invitations/unsubscribe/{token}"


def _clean(text: str) -> str:
    """Staff text without our markers: a campaign cannot print someone's token."""
    for marker in MARKERS:
        text = text.replace(marker, "")
    return text


def _pick(campaign: Campaign, name: str, language: str) -> str:
    french, english = getattr(campaign, f"{name}_fr"), getattr(campaign, f"{name}_en")
    preferred, other = (french, english) if language == "fr" else (english, french)
    return _clean(preferred or other or "")


def letter(campaign: Campaign, language: str, reminder: bool = False) -> Letter:
    """The campaign's email in ``language``, markers in place of each member's values;
    a reminder says so in its subject and first line."""
    base = current_app.config["BASE_URL"]
    accept = base + reply_path(TOKEN, "accept")
    decline = base + reply_path(TOKEN, "decline")
    unsubscribe = base + unsubscribe_path(TOKEN)
    with force_locale(language):
        title = _pick(campaign, "title", language)
        message = _pick(campaign, "message", language)
        description = _pick(campaign, "description", language)
        details = _details(campaign)
        greeting = _("Hello %(name)s,", name=NAME)
        if reminder:
            title = _("Reminder: %(title)s", title=title)
            greeting += " " + _("you have not answered this invitation yet.")
        answer = _("Will you join? Answer with one of these links:")
        yes, no = _("Accept"), _("Decline")
        deadline = (
            _("Please answer by %(date)s.", date=moment(campaign.reply_deadline))
            if campaign.reply_deadline
            else ""
        )
        footer = _("You receive this email as a member of the community. "
                   "To receive no more invitations by email:")  # fmt: skip
    text_parts = [greeting, message, title, description, *details,
                  f"{answer}\n{yes}: {accept}\n{no}: {decline}", deadline,
                  f"-- \n{footer}\n{unsubscribe}"]  # fmt: skip
    html_parts = [
        f"<p>{escape(greeting)}</p>",
        cook(message) if message else "",
        f"<h1>{escape(title)}</h1>",
        cook(description) if description else "",
        *(f"<p>{escape(line)}</p>" for line in details),
        f'<p>{escape(answer)}</p><p><a href="{escape(accept)}">{escape(yes)}</a> · '
        f'<a href="{escape(decline)}">{escape(no)}</a></p>',
        f"<p>{escape(deadline)}</p>" if deadline else "",
        # A long link breaks anywhere rather than widening a phone's screen.
        f'<hr><p><small>{escape(footer)} <a href="{escape(unsubscribe)}" '
        f'style="word-break: break-all">{escape(unsubscribe)}</a></small></p>',
    ]
    return Letter(
        language=language,
        subject=title,
        text="\n\n".join(part for part in text_parts if part) + "\n",
        html="<!doctype html><html><body>" + "".join(html_parts) + "</body></html>",
    )


def moment(start: datetime, end: datetime | None = None) -> str:
    """A time (or a span) to the minute, with its zone: a member may live in another one.

    "March 4, 2027, 7:30 PM to 9:30 PM (Central European Standard Time)", with an en
    dash; an end on another day is written in full.
    """
    zone = f"({format_datetime(start, 'zzzz')})"
    first = f"{format_date(start, 'long')}, {format_time(start, 'short')}"
    if end is None:
        return f"{first} {zone}"
    if to_user_timezone(end).date() == to_user_timezone(start).date():
        last = format_time(end, "short")
    else:
        last = f"{format_date(end, 'long')}, {format_time(end, 'short')}"
    return f"{first} \N{EN DASH} {last} {zone}"


def _details(campaign: Campaign) -> list[str]:
    """When and where, for events and workshops (already in the member's language)."""
    if campaign.kind not in EVENT_KINDS:
        return []
    lines = []
    if campaign.starts_at is not None:
        lines.append(_("When: %(when)s", when=moment(campaign.starts_at, campaign.ends_at)))
    if campaign.place:
        lines.append(_("Where: %(place)s", place=_clean(campaign.place)))
    if campaign.online_link:
        lines.append(_("Online: %(link)s", link=_clean(campaign.online_link)))
    return lines
