"""The calendar file (.ics) of an event or a workshop, and a member's check-in QR code.

It is the same for every member who reads that language, so a send stores it twice
(mail_attachments, per batch and language), not once per email, and the members' page
serves the same bytes from ``event_calendar()``. METHOD:PUBLISH: the brand announces an
event, it does not run a meeting whose attendees answer by calendar (they answer by
the email's links). The UID is stable (``campaign-<id>@<host>``), so importing it twice,
or a later copy, updates the one calendar entry instead of adding another.

The check-in QR code is drawn on the server (segno) as SVG: no script, nothing fetched
from elsewhere.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from urllib.parse import urlsplit

import segno
from flask import current_app
from icalendar import Calendar, Event
from markupsafe import Markup

from app.core.clock import now_utc
from app.core.text import cook, plain_text
from app.invitations.models import CANCELLED, EVENT_KINDS, Campaign

CONTENT_TYPE = "text/calendar; method=PUBLISH; charset=utf-8"


def has_calendar(campaign: Campaign) -> bool:
    """Whether the campaign is something with a start time to put in a calendar."""
    return campaign.kind in EVENT_KINDS and campaign.starts_at is not None


def filename(campaign: Campaign) -> str:
    return f"campaign-{campaign.id}.ics"


def uid(campaign: Campaign) -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return f"campaign-{campaign.id}@{host}"


def event_calendar(campaign: Campaign, language: str) -> bytes:
    """The campaign's VEVENT in ``language`` (summary, description), times in UTC.

    Raises ValueError for a campaign that has no calendar (see ``has_calendar``)."""
    if not has_calendar(campaign):
        raise ValueError("only an event or a workshop with a start time has a calendar file")
    assert campaign.starts_at is not None
    calendar = Calendar()
    calendar.add("prodid", "-//Tribune//Campaigns//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid(campaign))
    # Stable: the same bytes however often the file is made (emails, the member's page).
    event.add("dtstamp", _utc(campaign.sent_at or campaign.created_at or now_utc()))
    # A cancellation is a revision of the entry: calendars apply the higher sequence.
    event.add("sequence", 1 if campaign.state == CANCELLED else 0)
    event.add("dtstart", _utc(campaign.starts_at))
    if campaign.ends_at is not None and campaign.ends_at > campaign.starts_at:
        event.add("dtend", _utc(campaign.ends_at))
    event.add("summary", _one_line(campaign.title(language)))
    description = _pick(campaign, "description", language)
    if description:  # Markdown for the page; calendars show plain text
        event.add("description", plain_text(cook(description)))
    location = campaign.place or campaign.online_link
    if location:
        event.add("location", _one_line(location))
    base = current_app.config["BASE_URL"]
    event.add("url", campaign.online_link or f"{base}/invitations")
    event.add("status", "CANCELLED" if campaign.state == CANCELLED else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _pick(campaign: Campaign, name: str, language: str) -> str:
    french, english = getattr(campaign, f"{name}_fr"), getattr(campaign, f"{name}_en")
    return (french or english) if language == "fr" else (english or french)


def qr_svg(code: str) -> Markup:
    """The check-in code as an inline SVG QR code (scaled by CSS, titled for readers)."""
    out = io.BytesIO()
    # A white quiet zone around it: phones' cameras need the contrast on any background.
    segno.make(code, error="m").save(
        out, kind="svg", xmldecl=False, svgns=True, scale=6, border=4, title=code,
        svgclass="qr", lineclass=None, omitsize=True, light="#fff",
    )  # fmt: skip
    return Markup(out.getvalue().decode())
