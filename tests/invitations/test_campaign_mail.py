"""Campaign email delivery (issue 13, Sending and Proof): what arrives on a real SMTP
server on loopback (aiosmtpd), its unsubscribe headers and calendar file, pacing,
transactional mail first, and the campaign's delivery progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, Message

import pytest
from icalendar import Calendar
from sqlalchemy import func, insert, select

from app.accounts.models import User
from app.accounts.resets import request_reset
from app.core.clock import now_utc
from app.core.events import commit
from app.core.mail import BULK, TRANSACTIONAL, MailAttachment, OutboxMessage
from app.core.scheduler import run_job
from app.extensions import db
from app.invitations import emails, opt_outs, reminders, sending
from app.invitations.calendar import event_calendar, uid
from app.invitations.delivery import DeliveryProgress, delivery_progress
from app.invitations.tokens import REPLY, campaign_key, derive

BASE = "https://forum.brand.example"
DASH, APOSTROPHE = "\N{EN DASH}", "\N{RIGHT SINGLE QUOTATION MARK}"


@pytest.fixture(autouse=True)
def _site(app):
    app.config.update(BASE_URL=BASE, MAIL_RATE_PER_MINUTE=0)


def deliver(**options) -> dict:
    run = run_job("deliver-mail", **options)
    assert run.outcome == "success", run.error
    return run.figures


def send(campaign) -> None:
    # Inside a request for another host: every link must still come from BASE_URL.
    from flask import current_app

    with current_app.test_request_context("/", base_url="http://attacker.example"):
        sending.send(campaign.id)
        commit()


def parsed(message: Message) -> EmailMessage:
    """The received message read with the modern policy (decoded headers, get_body)."""
    email = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(email, EmailMessage)
    return email


def by_recipient(messages: list[Message]) -> dict[str, EmailMessage]:
    return {str(m["To"]).split("@")[0]: parsed(m) for m in messages}


def token_of(campaign, user) -> str:
    return derive(campaign_key(campaign.token_salt), REPLY, user.id)


def test_members_receive_text_html_unsubscribe_headers_and_calendar_in_their_language(
    make_user, make_campaign, inbox
):
    francoise = make_user("francoise", locale="fr")
    edward = make_user("edward", locale="en")
    starts = datetime(2027, 3, 4, 18, 30, tzinfo=UTC)
    campaign = make_campaign(starts_at=starts, ends_at=starts + timedelta(hours=2),
                             reply_deadline=now_utc() + timedelta(days=7))  # fmt: skip
    send(campaign)

    assert deliver()["sent"] == 2
    received = by_recipient(inbox.messages)
    assert set(received) == {"francoise", "edward"}
    for name, member, language, title, greeting in (
        ("francoise", francoise, "fr", "Dégustation à la brûlerie", "Cher francoise"),
        ("edward", edward, "en", "Coffee tasting at the roastery", "Dear edward"),
    ):
        email = received[name]
        assert str(email["Subject"]) == title and email["Content-Language"] == language
        text = email.get_body(("plain",)).get_content()
        html = email.get_body(("html",)).get_content()
        assert greeting in text and greeting in html
        token = token_of(campaign, member)
        link = f"{BASE}/invitations/unsubscribe/{token}"
        assert email["List-Unsubscribe"] == f"<{link}>"
        assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert email["Precedence"] == "bulk" and email["Auto-Submitted"] == "auto-generated"
        assert link in text and "attacker.example" not in email.as_string()
        (ics,) = [part for part in email.iter_attachments()]
        assert ics.get_content_type() == "text/calendar"
        assert ics.get_filename() == f"campaign-{campaign.id}.ics"
        calendar = Calendar.from_ical(ics.get_content())
        assert str(calendar["method"]) == "PUBLISH"
        (event,) = calendar.walk("VEVENT")
        assert str(event["uid"]) == f"campaign-{campaign.id}@forum.brand.example"
        assert str(event["summary"]) == title
        assert str(event["location"]) == "12 rue des Cafés, Lyon"
        assert event.decoded("dtstart") == starts
        assert event.decoded("dtend") == starts + timedelta(hours=2)
        raw = ics.get_content()
        assert "DTSTART:20270304T183000Z" in raw and "DTEND:20270304T203000Z" in raw
    # The calendar file is stored once per language, not once per email, and is the
    # very file the members' page makes.
    stored = {a.language: a.content for a in db.session.scalars(select(MailAttachment))}
    db.session.expire_all()
    assert stored == {code: event_calendar(campaign, code) for code in ("en", "fr")}


def test_the_calendar_is_the_same_file_the_members_page_gets(app, make_campaign):
    campaign = make_campaign(online_link="https://meet.example/tasting")
    first = event_calendar(campaign, "en")
    assert first == event_calendar(campaign, "en"), "stable bytes"
    (event,) = Calendar.from_ical(first).walk("VEVENT")
    assert str(event["url"]) == "https://meet.example/tasting"
    assert str(event["uid"]) == uid(campaign)
    assert str(Calendar.from_ical(event_calendar(campaign, "fr")).walk("VEVENT")[0]["summary"]) == (
        "Dégustation à la brûlerie"
    )
    survey = make_campaign("survey")
    with pytest.raises(ValueError):
        event_calendar(survey, "en")


def test_a_survey_email_has_no_calendar_but_the_unsubscribe_headers(
    make_user, make_campaign, inbox
):
    member = make_user("sam")
    campaign = make_campaign("survey")
    send(campaign)
    deliver()
    email = parsed(inbox.messages[0])
    assert list(email.iter_attachments()) == []
    link = f"{BASE}/invitations/unsubscribe/{token_of(campaign, member)}"
    assert email["List-Unsubscribe"] == f"<{link}>"


def test_smtp_down_during_delivery_then_up_sends_each_member_exactly_once(
    make_user, make_campaign, smtp_server
):
    members = [make_user(locale=("fr", "en")[n % 2]) for n in range(6)]
    campaign = make_campaign()
    send(campaign)

    smtp_server.start()
    assert deliver(batch_size=2)["sent"] == 2
    smtp_server.stop()
    figures = deliver()
    assert figures["retried"] == 1 and figures["sent"] == 0
    assert delivery_progress(campaign.id) == DeliveryProgress(queued=4, sending=0, sent=2, failed=0)

    smtp_server.start()
    assert deliver(as_of=now_utc() + timedelta(minutes=5))["sent"] == 4
    assert deliver(as_of=now_utc() + timedelta(hours=2))["sent"] == 0
    received = [str(m["To"]) for m in smtp_server.inbox.messages]
    assert sorted(received) == sorted(m.email for m in members), "each exactly once"
    assert delivery_progress(campaign.id) == DeliveryProgress(0, 0, 6, 0)


def test_a_permanent_refusal_is_failed_and_counted(make_user, make_campaign, inbox):
    good, bad = make_user("good"), make_user("bad")
    inbox.refuse[bad.email] = "550 5.1.1 no such user"
    campaign = make_campaign()
    send(campaign)

    figures = deliver()
    assert (figures["sent"], figures["failed"]) == (1, 1)
    progress = delivery_progress(campaign.id)
    assert progress == DeliveryProgress(queued=0, sending=0, sent=1, failed=1)
    assert progress.total == 2
    assert [str(m["To"]) for m in inbox.messages] == [good.email]


def test_progress_counts_only_this_campaign_and_follows_each_state(
    make_user, make_campaign, count_queries
):
    make_user(), make_user()
    first, other = make_campaign(), make_campaign()
    assert delivery_progress(first.id) == (0, 0, 0, 0)
    send(first)
    campaign_id = first.id
    with count_queries() as counter:
        assert delivery_progress(campaign_id) == DeliveryProgress(2, 0, 0, 0)
    assert counter.count == 1, "one aggregate query"
    assert delivery_progress(other.id) == DeliveryProgress(0, 0, 0, 0)
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    message.status = "sending"
    commit()
    assert delivery_progress(first.id) == DeliveryProgress(1, 1, 0, 0)


def test_opted_out_members_get_no_email(make_user, make_campaign, inbox):
    quiet, loud = make_user("quiet"), make_user("loud", locale="fr")
    opt_outs.opt_out(quiet.id)
    commit()
    send(make_campaign())
    deliver()
    assert [str(m["To"]) for m in inbox.messages] == [loud.email]


def test_reminders_are_bulk_mail_of_the_campaign_with_the_same_headers_and_calendar(
    make_user, staff, make_campaign, inbox
):
    member = make_user("rita")
    campaign = make_campaign()
    send(campaign)
    reminders.remind(staff, campaign.id)
    commit()
    deliver()
    assert len(inbox.messages) == 2
    for email in map(parsed, inbox.messages):
        assert email["List-Unsubscribe"].endswith(f"/unsubscribe/{token_of(campaign, member)}>")
        assert len(list(email.iter_attachments())) == 1
    assert db.session.scalar(select(func.count()).select_from(MailAttachment)) == 2
    assert delivery_progress(campaign.id).sent == 2


def _members(count: int) -> None:
    """``count`` members in one statement (their hashing would take minutes)."""
    at = now_utc()
    db.session.execute(
        insert(User),
        [
            {"username": f"bulk{n}", "username_key": f"bulk{n}", "email": f"bulk{n}@example.com",
             "role": "member", "bio": "", "locale": ("en", "fr")[n % 2], "created_at": at}
            for n in range(count)
        ],
    )  # fmt: skip
    commit()


def test_a_password_reset_goes_before_a_thousand_campaign_emails(
    app, make_user, make_campaign, inbox
):
    _members(1000)
    campaign = make_campaign()
    send(campaign)
    reader = make_user("reader", email="reader@example.com")
    assert request_reset(reader.email)
    commit()
    priorities = dict(
        db.session.execute(
            select(OutboxMessage.priority, func.count()).group_by(OutboxMessage.priority)
        ).all()
    )
    assert priorities == {BULK: 1000, TRANSACTIONAL: 1}

    assert deliver(batch_size=1)["sent"] == 1
    (first,) = inbox.messages
    assert str(first["To"]) == "reader@example.com" and first["List-Unsubscribe"] is None


def test_bulk_mail_is_paced_across_runs_and_transactional_mail_is_not(
    app, make_user, make_campaign, inbox
):
    app.config["MAIL_RATE_PER_MINUTE"] = 4
    for _ in range(12):
        make_user()
    send(make_campaign())
    start = now_utc() + timedelta(seconds=1)

    assert deliver(as_of=start)["sent"] == 4, "a full bucket: one minute's worth"
    reader = make_user("reader")
    assert request_reset(reader.email)
    commit()
    figures = deliver(as_of=start + timedelta(seconds=1))
    assert (figures["sent"], figures["bulk"]) == (1, 0), "the reset, not the campaign"
    assert deliver(as_of=start + timedelta(seconds=31))["sent"] == 2, "half a minute: half"
    assert deliver(as_of=start + timedelta(seconds=151))["sent"] == 4, "never over a minute's"
    assert deliver(as_of=start + timedelta(seconds=400))["sent"] == 2, "the last ones"
    assert len(inbox.messages) == 13


def plain(email: EmailMessage) -> str:
    """The text part, its no-break spaces (French punctuation, English times) as spaces."""
    return email.get_body(("plain",)).get_content().replace("\xa0", " ").replace("\u202f", " ")


def test_times_in_the_email_are_to_the_minute_with_their_zone(make_user, make_campaign, inbox):
    make_user("francoise", locale="fr")
    make_user("edward", locale="en")
    starts = datetime(2027, 3, 4, 18, 30, tzinfo=UTC)  # 19:30 in Paris, the site's zone
    deadline = datetime(2027, 3, 1, 11, 0, tzinfo=UTC)
    send(make_campaign(starts_at=starts, ends_at=starts + timedelta(hours=2),
                       reply_deadline=deadline))  # fmt: skip
    deliver()
    received = by_recipient(inbox.messages)
    winter = f"(heure normale d{APOSTROPHE}Europe centrale)"
    french = plain(received["francoise"])
    assert f"Quand : 4 mars 2027, 19:30 {DASH} 21:30 {winter}" in french
    assert f"avant le 1 mars 2027, 12:00 {winter}." in french
    english = plain(received["edward"])
    zone = "(Central European Standard Time)"
    assert f"When: March 4, 2027, 7:30 PM {DASH} 9:30 PM {zone}" in english
    assert f"Please answer by March 1, 2027, 12:00 PM {zone}." in english
    html = received["edward"].get_body(("html",)).get_content()
    assert 'style="word-break: break-all"' in html


def test_an_event_over_several_days_gives_its_end_in_full(app, make_campaign):
    starts = datetime(2027, 6, 10, 7, 0, tzinfo=UTC)
    campaign = make_campaign(starts_at=starts, ends_at=starts + timedelta(days=2))
    with app.test_request_context("/"):
        text = emails.letter(campaign, "fr").text.replace("\xa0", " ")
    summer = f"(heure d{APOSTROPHE}été d{APOSTROPHE}Europe centrale)"
    assert f"Quand : 10 juin 2027, 09:00 {DASH} 12 juin 2027, 09:00 {summer}" in text
