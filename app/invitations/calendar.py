"""An accepted member's calendar file (.ics) and their check-in code as a QR code.

The calendar event's UID is the campaign's, the same for every member and every
download: a calendar that imports it twice (or gets it again by email) updates one
event instead of adding a second. Times are written in UTC. The QR code is drawn on
the server (segno) as SVG: no script, nothing fetched from elsewhere.
"""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import segno
from flask import current_app
from icalendar import Calendar, Event
from markupsafe import Markup

from app.core.clock import now_utc
from app.core.text import cook, plain_text
from app.invitations.member_pages import text
from app.invitations.models import Campaign, Invitation

PRODUCT = "-//Tribune//Campaigns//EN"


def uid(campaign: Campaign) -> str:
    """Stable per campaign (not per member, not per download)."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "tribune"
    return f"campaign-{campaign.id}@{host}"


def ics(campaign: Campaign, invitation: Invitation, language: str | None) -> bytes:
    """The campaign's event, in the member's language, for their calendar."""
    starts = campaign.starts_at or now_utc()
    ends = campaign.ends_at if campaign.ends_at and campaign.ends_at > starts else None
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid(campaign))
    event.add("dtstamp", now_utc())
    event.add("dtstart", starts)
    event.add("dtend", ends or starts + timedelta(hours=1))
    event.add("summary", text(campaign, "title", language))
    location = campaign.place or campaign.online_link
    if location:
        event.add("location", location)
    event.add("url", current_app.config["BASE_URL"] + f"/invitations/{invitation.id}")
    description = text(campaign, "description", language)
    if description:
        event.add("description", plain_text(cook(description)))
    calendar.add_component(event)
    return calendar.to_ical()


def qr_svg(code: str) -> Markup:
    """The check-in code as an inline SVG QR code (scaled by CSS, titled for readers)."""
    out = io.BytesIO()
    # A white quiet zone around it: phones' cameras need the contrast on any background.
    segno.make(code, error="m").save(
        out, kind="svg", xmldecl=False, svgns=True, scale=6, border=4, title=code,
        svgclass="qr", lineclass=None, omitsize=True, light="#fff",
    )  # fmt: skip
    return Markup(out.getvalue().decode())
