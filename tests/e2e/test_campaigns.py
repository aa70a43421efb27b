"""A campaign in a real browser (issue 13, Proof): staff invite the ambassadors to an
event, the email reaches a real SMTP server on loopback, the ambassador accepts from its
link, staff mark them present, and the next ambassador run counts the event."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import BrowserContext, Page, expect

from app.accounts import services as account_services
from app.accounts.models import User
from app.ambassadors.models import AmbassadorRun, SegmentMember
from app.core.clock import now_utc
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.forum import services as forum_services
from app.forum import solutions, voting
from app.forum.models import Category
from app.invitations.models import Campaign, Invitation
from app.invitations.staff_forms import LOCAL_FORMAT
from tests.e2e.conftest import CATEGORY_SLUG, PASSWORD, LiveServer
from tests.e2e.test_questions import log_in, site_menu
from tests.smtp import SmtpServer, free_port

pytestmark = pytest.mark.e2e

SHOTS = Path("/work/notes/shots/h13-e2e")
TITLE_EN = "Tasting night at the roastery"
TITLE_FR = "Soirée dégustation à la brûlerie"
PLACE = "12 rue des Cafés, Lyon"
AMBASSADOR = "amelie_fr"  # a French member: her email and pages are in French
OTHERS = ("oscar", "olga")
STAFF = "brand_bea"
APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"  # French typography, as in the catalogue
FRENCH_LOGIN = {"login": "Pseudo ou e-mail", "password": "Mot de passe", "submit": "Se connecter"}


def shot(page: Page, name: str) -> None:
    """A full-page screenshot of this step, to be looked at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    # A full-page screenshot resizes the page for a moment; chromium then drops the next
    # click unless the mouse moves first.
    page.locator("body").hover(position={"x": 1, "y": 1})


def identify(live: LiveServer) -> int:
    """Run the nightly ambassador job now; returns its run's id."""
    with live.services():
        job_run = run_job("identify-ambassadors")
        assert job_run.outcome == "success", job_run.error
        return int(job_run.figures["run_id"])


def _community(live: LiveServer) -> None:
    """Staff, one member whose answers stand out, two who help a little; one run."""
    with live.services():
        category = db.session.scalars(select(Category).filter_by(slug=CATEGORY_SLUG)).one()
        # Staff ask the questions: they are never eligible, so only members rank.
        staff = account_services.create_user(STAFF, f"{STAFF}@example.com", PASSWORD,
                                             role="staff")  # fmt: skip
        star = account_services.create_user(AMBASSADOR, f"{AMBASSADOR}@example.com", PASSWORD,
                                            locale="fr")  # fmt: skip
        others = [live.create_user(name) for name in OTHERS]
        commit()
        for n in range(4):
            topic = forum_services.create_topic(
                staff, category, title=f"Grinder question number {n + 1}", body="Which setting?"
            )
            commit()
            answer = forum_services.reply(star, topic, body=f"Setting {n + 3} works for me.")
            commit()
            if n < 2:
                solutions.accept_answer(staff, topic, answer)
            for other in others:
                voting.vote(other, answer)
                forum_services.reply(other, topic, body=f"{other.username} agrees.")
            commit()

    run_id = identify(live)
    with live.services():
        segment = db.session.scalars(
            select(User.username)
            .join(SegmentMember, SegmentMember.user_id == User.id)
            .where(SegmentMember.run_id == run_id, SegmentMember.segment == "ambassador")
        ).all()
        assert segment == [AMBASSADOR]
        assert db.session.get(AmbassadorRun, run_id) is not None


@pytest.fixture
def smtp(live_server: LiveServer) -> Iterator[SmtpServer]:
    """A running loopback SMTP server the live application sends its mail to."""
    server = SmtpServer(free_port())
    server.start()
    config = live_server.app.config
    before = {key: config[key] for key in ("MAIL_SERVER", "MAIL_PORT")}
    config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    try:
        yield server
    finally:
        config.update(before)
        server.stop()


def create_event(page: Page, starts: datetime, zone: ZoneInfo) -> int:
    """Staff create the event through the console's form; returns its id."""

    def typed(moment: datetime) -> str:
        # What a person types into a datetime-local input: the time in the site's zone.
        return moment.astimezone(zone).strftime(LOCAL_FORMAT)

    site_menu(page).get_by_role("link", name="Campaigns").click()
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    shot(page, "01-staff-campaign-list")
    page.get_by_role("link", name="New campaign").click()
    page.get_by_role("link", name="Event", exact=True).click()
    page.get_by_label("Title (English)").fill(TITLE_EN)
    page.get_by_label("Title (French)").fill(TITLE_FR)
    page.get_by_label("Description (English)").fill("Taste the **new** blends first.")
    page.get_by_label("Description (French)").fill("Goûtez les **nouveaux** mélanges en premier.")
    page.get_by_label("Personal message (English)").fill("{name}, we would love to see you there.")
    page.get_by_label("Personal message (French)").fill("{name}, nous serions ravis de vous voir.")
    page.get_by_label("Reply deadline").fill(typed(starts - timedelta(days=3)))
    page.get_by_label("Place").fill(PLACE)
    page.get_by_label("Starts", exact=True).fill(typed(starts))
    page.get_by_label("Ends", exact=True).fill(typed(starts + timedelta(hours=2)))
    page.get_by_label("Capacity").fill("20")
    shot(page, "02-staff-new-event-form")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    expect(page.get_by_role("heading", name=TITLE_EN, level=1)).to_be_visible()
    expect(page.get_by_text(PLACE)).to_be_visible()
    shot(page, "03-staff-draft")
    found = re.search(r"/staff/campaigns/(\d+)", page.url)
    assert found, page.url
    return int(found.group(1))


def choose_audience_and_send(page: Page) -> None:
    page.get_by_role("link", name="Audience", exact=True).click()
    page.get_by_label("Ambassadors", exact=True).check()
    page.get_by_role("button", name="Save the audience").click()
    expect(page.get_by_role("status")).to_contain_text("Audience saved.")
    summary = page.locator(".summary")
    expect(summary).to_contain_text("The audience holds 1 member now.")
    sample = summary.get_by_role("listitem")
    expect(sample).to_have_count(1)
    expect(sample).to_have_text(AMBASSADOR)
    shot(page, "04-staff-audience")

    page.get_by_role("link", name="Send…").click()
    expect(page.get_by_role("heading", name="Send the campaign")).to_be_visible()
    expect(page.get_by_text("1 member will get the invitation in Tribune.")).to_be_visible()
    expect(page.get_by_text("1 of them will get it by email too.")).to_be_visible()
    shot(page, "05-staff-send-confirmation")
    page.get_by_role("button", name="Send now").click()
    expect(page.get_by_role("status")).to_have_text("Sent: 1 member invited. 1 email queued.")
    shot(page, "06-staff-sent")


def campaign_email(live: LiveServer, smtp: SmtpServer) -> EmailMessage:
    """Deliver the outbox to the loopback server; the one campaign email that arrived."""
    with live.services():
        job_run = run_job("deliver-mail")
        assert job_run.outcome == "success", job_run.error
    received = [message_from_bytes(m.as_bytes(), policy=policy.default)
                for m in smtp.inbox.messages]  # fmt: skip
    campaign = [m for m in received if m["List-Unsubscribe"]]
    assert [str(m["To"]) for m in campaign] == [f"{AMBASSADOR}@example.com"]
    (email,) = campaign
    assert isinstance(email, EmailMessage)
    return email


def invitation_state(live: LiveServer, campaign_id: int) -> str:
    with live.services():
        return db.session.scalars(
            select(Invitation.state)
            .join(User, User.id == Invitation.user_id)
            .where(Invitation.campaign_id == campaign_id, User.username == AMBASSADOR)
        ).one()


def test_staff_invite_the_ambassadors_to_an_event_and_attendance_feeds_the_score(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], smtp: SmtpServer
) -> None:
    _community(live_server)

    # 1. Staff create the event, choose the ambassadors, see who that is, and send.
    staff = new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff.goto("/login")
    log_in(staff, STAFF)
    starts = now_utc().replace(second=0, microsecond=0) + timedelta(days=10)
    zone = ZoneInfo(live_server.app.config["BABEL_DEFAULT_TIMEZONE"])
    campaign_id = create_event(staff, starts, zone)
    choose_audience_and_send(staff)
    with live_server.services():
        assert db.session.get(Campaign, campaign_id).state == "open"

    # 2. The email reaches the ambassador only, in French, with its headers and calendar.
    email = campaign_email(live_server, smtp)
    assert str(email["Subject"]) == TITLE_FR and email["Content-Language"] == "fr"
    assert email["List-Unsubscribe"].startswith(f"<{live_server.url}/invitations/unsubscribe/")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (ics,) = list(email.iter_attachments())
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_filename().endswith(".ics")
    (event,) = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert str(event["summary"]) == TITLE_FR and str(event["location"]) == PLACE
    # Typed in the site's zone, stored and sent in UTC.
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtend") == starts + timedelta(hours=2)
    text = email.get_body(("plain",)).get_content()
    assert f"{AMBASSADOR}, nous serions ravis de vous voir." in text
    accept = re.search(rf"{re.escape(live_server.url)}/invitations/reply/\S+/accept", text)
    assert accept, text

    # 3. Logged out, she opens the link: a confirmation page, and nothing changed yet.
    ambassador = new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    ambassador.set_content(email.get_body(("html",)).get_content())  # the email, to look at
    expect(ambassador.get_by_role("link", name="Accepter")).to_be_visible()
    shot(ambassador, "07-ambassador-email")
    ambassador.goto(accept.group(0))
    expect(ambassador.get_by_role("heading", name="Confirmez votre réponse")).to_be_visible()
    expect(ambassador.get_by_text(TITLE_FR)).to_be_visible()
    shot(ambassador, "08-ambassador-confirm-accept")
    assert invitation_state(live_server, campaign_id) == "invited"
    ambassador.get_by_role("button", name=f"Oui, j{APOSTROPHE}accepte").click()
    expect(ambassador.get_by_text("Vous avez accepté. À bientôt !")).to_be_visible()
    shot(ambassador, "09-ambassador-accepted")
    assert invitation_state(live_server, campaign_id) == "accepted"

    # 4. Staff see her acceptance and mark her present.
    staff.goto(f"/staff/campaigns/{campaign_id}")
    tabs = staff.get_by_role("navigation", name="Campaign")
    expect(tabs.get_by_role("link")).to_have_text(["Overview", "People", "Results"])
    tabs.get_by_role("link", name="People").click()
    row = staff.get_by_role("row").filter(has_text=AMBASSADOR)
    expect(row).to_contain_text("Accepted")
    shot(staff, "10-staff-people-accepted")
    row.get_by_role("button", name="Mark present").click()
    expect(staff.get_by_role("status")).to_contain_text(f"{AMBASSADOR} is checked in.")
    row = staff.get_by_role("row").filter(has_text=AMBASSADOR)
    expect(row).to_contain_text("Attended")
    expect(row.get_by_role("button", name="Mark present")).to_have_count(0)
    shot(staff, "11-staff-people-attended")
    assert invitation_state(live_server, campaign_id) == "attended"

    # 5. The next run counts the event: her breakdown shows it.
    identify(live_server)
    ambassador.goto("/login")
    log_in(ambassador, AMBASSADOR, form_labels=FRENCH_LOGIN)
    ambassador.goto("/me/ambassador")
    heading = ambassador.get_by_role("heading", name=f"Statut d{APOSTROPHE}ambassadeur")
    expect(heading).to_be_visible()
    events = ambassador.locator("table.breakdown").get_by_role("row", name=re.compile("Événements"))
    expect(events).to_have_count(1)
    expect(events.get_by_role("cell").nth(1)).to_have_text("1")
    expect(events.get_by_role("cell").nth(3)).not_to_have_text(re.compile(r"^0([,.]0)?$"))
    shot(ambassador, "12-ambassador-breakdown")
