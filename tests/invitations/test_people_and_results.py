"""A campaign's people and results pages, used as staff use them: the page's own forms.

Campaigns are made through the services (create, audience, send) and committed; the
delivery of their mail is set on the outbox rows as the deliver-mail job leaves them.
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app.ambassadors.models import ExternalSignal
from app.badges.models import BadgeAward
from app.core.events import commit
from app.core.mail import FAILED, SENT, OutboxMessage
from app.extensions import db
from app.invitations import offers, replies, sending, surveys
from app.invitations.models import ACCEPTED, ATTENDED, REMOVED, Invitation
from app.moderation.models import AuditEntry
from tests.support import at_once, form_submission


def _invitation(campaign: Any, user: Any) -> Invitation:
    db.session.expire_all()
    return db.session.scalar(
        select(Invitation).where(
            Invitation.campaign_id == campaign.id, Invitation.user_id == user.id
        )
    )


def _send(campaign: Any, staff: Any) -> None:
    sending.send(campaign.id, staff.id)
    commit()


def _deliver(user: Any, status: str, error: str | None = None) -> None:
    """The outbox row of this member's invitation, as the deliver-mail job leaves it."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.recipient == user.email)
        .values(status=status, last_error=error, attempts=1)
    )
    commit()


def _text(html: str) -> str:
    """The page's visible text, one space between words (tags dropped)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _row(html: str, username: str) -> str:
    """The text of the people table's row of this member."""
    for row in re.findall(r"<tr class=\"state-[a-z]+\">(.*?)</tr>", html, re.S):
        if f"<strong>{username}</strong>" in row:
            return _text(row)
    raise AssertionError(f"no row for {username}")


@pytest.fixture
def event(make_user, staff, make_campaign):
    """A sent event for two seats: ana and bea accepted, cyd waitlisted, dan declined,
    eve has not answered."""
    people = {name: make_user(name) for name in ("ana", "bea", "cyd", "dan", "eve")}
    campaign = make_campaign("event", capacity=2)
    _send(campaign, staff)
    for name in ("ana", "bea", "cyd"):
        replies.reply(people[name], _invitation(campaign, people[name]).id, "accept")
        commit()
    replies.reply(people["dan"], _invitation(campaign, people["dan"]).id, "decline")
    commit()
    return campaign, people


def test_people_page_shows_each_state_reply_and_email_delivery(login, staff, event):
    campaign, people = event
    _deliver(people["ana"], SENT)
    _deliver(people["bea"], FAILED, "550 5.1.1 mailbox unavailable")
    html = login(staff).get(f"/staff/campaigns/{campaign.id}/people").text

    assert "Accepted" in _row(html, "ana") and "Sent" in _row(html, "ana")
    assert "Failed" in _row(html, "bea")
    assert "Waitlisted · no. 1" in _row(html, "cyd") and "Queued" in _row(html, "cyd")
    assert "Declined" in _row(html, "dan")
    assert "No answer yet" in _row(html, "eve") and "\u2013" in _row(html, "eve")
    assert re.search(r"\d", _row(html, "ana").split("Accepted")[1])  # the reply's date
    assert "Everyone (5)" in _text(html) and "Waitlisted (1)" in _text(html)


def test_people_page_filters_by_state_and_finds_by_name(login, staff, event):
    campaign, _people = event
    browser = login(staff)
    waitlisted = browser.get(f"/staff/campaigns/{campaign.id}/people?state=waitlisted").text
    assert re.findall(r"<strong>(\w+)</strong>", waitlisted) == ["cyd"]
    found = browser.get(f"/staff/campaigns/{campaign.id}/people?q=B").text
    assert re.findall(r"<strong>(\w+)</strong>", found) == ["bea"]
    nobody = browser.get(f"/staff/campaigns/{campaign.id}/people?q=%25_").text
    assert "Nobody matches." in nobody  # LIKE wildcards are searched as text
    assert browser.get(f"/staff/campaigns/{campaign.id}/people?state=odd").status_code == 404
    assert browser.get("/staff/campaigns/999999/people").status_code == 404


def test_people_page_runs_the_same_statements_for_5_or_40_members(
    app, login, staff, make_user, make_campaign, count_queries
):
    def statements(size: int) -> int:
        for _ in range(size):
            make_user()
        campaign = make_campaign("event")
        _send(campaign, staff)
        browser = login(staff)
        browser.get(f"/staff/campaigns/{campaign.id}/people")  # warm: the layout's cache
        with count_queries() as counter:
            response = browser.get(f"/staff/campaigns/{campaign.id}/people")
        assert response.status_code == 200
        return counter.count

    assert statements(5) == statements(40)


def test_the_page_is_paginated(app, login, staff, make_user, make_campaign):
    app.config["CAMPAIGN_PEOPLE_PER_PAGE"] = 2
    for name in ("aaa", "bbb", "ccc"):
        make_user(name)
    campaign = make_campaign("event")
    _send(campaign, staff)
    browser = login(staff)
    first = browser.get(f"/staff/campaigns/{campaign.id}/people").text
    assert re.findall(r"<strong>(\w+)</strong>", first) == ["aaa", "bbb"]
    assert 'rel="next"' in first
    second = browser.get(f"/staff/campaigns/{campaign.id}/people?page=2").text
    assert re.findall(r"<strong>(\w+)</strong>", second) == ["ccc"]
    assert browser.get(f"/staff/campaigns/{campaign.id}/people?page=-1").status_code == 404


def _check_in(browser: Any, campaign: Any, code: str) -> str:
    page = browser.get(f"/staff/campaigns/{campaign.id}/people").text
    url, data = form_submission(page, f"/staff/campaigns/{campaign.id}/checkin", code=code)
    response = browser.client.post(url, data=data)
    assert response.status_code == 302
    return _text(browser.get(response.location).text)


def test_the_check_in_box_marks_a_member_present_once(login, staff, event):
    campaign, people = event
    browser = login(staff)
    page = browser.get(f"/staff/campaigns/{campaign.id}/people").text
    assert re.search(r'<input[^>]*autofocus[^>]*name="code"|<input[^>]*name="code"[^>]*autofocus',
                     page)  # fmt: skip
    code = _invitation(campaign, people["ana"]).checkin_code

    assert "ana is checked in." in _check_in(browser, campaign, f" {code.upper()} ")
    assert "ana was already checked in" in _check_in(browser, campaign, code)

    invitation = _invitation(campaign, people["ana"])
    assert invitation.state == ATTENDED
    assert db.session.scalar(select(func.count()).select_from(ExternalSignal)) == 1
    badges = select(func.count()).where(BadgeAward.badge == "event-guest")
    assert db.session.scalar(badges) == 1
    audit = select(func.count()).where(AuditEntry.action == "invitation.attended")
    assert db.session.scalar(audit) == 1


def test_the_check_in_box_explains_what_it_refuses(login, staff, event):
    campaign, people = event
    browser = login(staff)
    declined = _invitation(campaign, people["dan"]).checkin_code
    assert "dan declined this invitation: not checked in." in _check_in(browser, campaign, declined)
    assert "Unknown check-in code" in _check_in(browser, campaign, "12-0123456789")
    assert "Unknown check-in code" in _check_in(browser, campaign, "<script>")
    page = browser.get(f"/staff/campaigns/{campaign.id}/people").text
    url, data = form_submission(page, f"/staff/campaigns/{campaign.id}/checkin", code="")
    response = browser.client.post(url, data=data)
    assert response.status_code == 422
    assert "Scan or type the member's check-in code." in _text(response.text)
    assert _invitation(campaign, people["dan"]).state == "declined"


def test_marking_present_by_name(login, staff, event):
    campaign, people = event
    browser = login(staff)
    found = browser.get(f"/staff/campaigns/{campaign.id}/people?q=eve").text
    invitation = _invitation(campaign, people["eve"])
    action = f"/staff/campaigns/{campaign.id}/people/{invitation.id}/attend?q=eve"
    url, data = form_submission(found.replace("&amp;", "&"), action)
    response = browser.client.post(url, data=data)
    assert response.status_code == 302 and response.location.endswith("people?q=eve")
    assert "eve is checked in." in _text(browser.get(response.location).text)
    assert _invitation(campaign, people["eve"]).state == ATTENDED


def test_removing_a_member_gives_the_seat_to_the_first_on_the_waitlist(login, staff, event):
    campaign, people = event
    browser = login(staff)
    ana = _invitation(campaign, people["ana"])
    action = f"/staff/campaigns/{campaign.id}/people/{ana.id}/remove"
    page = browser.get(f"/staff/campaigns/{campaign.id}/people").text

    url, data = form_submission(page, action)  # no reason given
    refused = browser.client.post(url, data=data)
    assert refused.status_code == 422 and "Say why: the audit log keeps it." in refused.text
    assert _invitation(campaign, people["ana"]).state == ACCEPTED

    url, data = form_submission(page, action, reason="Asked to leave")
    response = browser.client.post(url, data=data)
    assert response.status_code == 302
    assert "ana was removed from the campaign." in _text(browser.get(response.location).text)
    assert _invitation(campaign, people["ana"]).state == REMOVED
    assert _invitation(campaign, people["cyd"]).state == ACCEPTED  # the waitlist's first
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "invitation.remove"))
    assert entry is not None and entry.reason == "Asked to leave"

    removed = browser.get(f"/staff/campaigns/{campaign.id}/people").text
    assert f"/people/{ana.id}/remove" not in removed and "Removed" in _row(removed, "ana")
    code = _invitation(campaign, people["ana"]).checkin_code
    assert "ana was removed from this campaign" in _check_in(browser, campaign, code)


def test_two_staff_checking_in_the_same_member_at_once_count_once(login, staff, make_user, event):
    campaign, people = event
    other_staff = make_user("staff_two", role="staff")
    browsers = [login(staff), login(other_staff)]
    code = _invitation(campaign, people["bea"]).checkin_code
    posts = []
    for browser in browsers:
        page = browser.get(f"/staff/campaigns/{campaign.id}/people").text
        posts.append(form_submission(page, f"/staff/campaigns/{campaign.id}/checkin", code=code))

    def scan(i: int) -> int:
        url, data = posts[i]
        return browsers[i].client.post(url, data=data).status_code

    statuses = at_once(2, scan)

    assert statuses == [302, 302]
    db.session.expire_all()
    assert _invitation(campaign, people["bea"]).state == ATTENDED
    signals = select(func.count()).where(ExternalSignal.user_id == people["bea"].id)
    assert db.session.scalar(signals) == 1
    badges = select(func.count()).where(
        BadgeAward.badge == "event-guest", BadgeAward.user_id == people["bea"].id
    )
    assert db.session.scalar(badges) == 1
    audit = select(func.count()).where(AuditEntry.action == "invitation.attended")
    assert db.session.scalar(audit) == 1


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    response.close()
    return rows


def test_people_csv_has_every_column_and_neutralises_formulas(login, staff, make_user,
                                                              make_campaign):  # fmt: skip
    ana, bob = make_user("ana", locale="fr"), make_user("bob")
    campaign = make_campaign("offer")
    offers.upload_codes(staff, campaign.id, '=HYPERLINK("http://evil.example","win")\nPLAIN-1')
    commit()
    _send(campaign, staff)
    replies.reply(ana, _invitation(campaign, ana).id, "accept")
    commit()
    _deliver(bob, FAILED, "550 no such user")
    browser = login(staff)
    page = browser.get(f"/staff/campaigns/{campaign.id}/people").text
    assert f'href="/staff/campaigns/{campaign.id}/people.csv"' in page

    rows = _csv(browser.get(f"/staff/campaigns/{campaign.id}/people.csv"))

    assert list(rows[0]) == ["username", "email", "language", "state", "waitlist_position",
                             "replied_at", "attended_at", "email_status", "offer_code"]  # fmt: skip
    by_name = {row["username"]: row for row in rows}
    assert set(by_name) == {"ana", "bob"}
    assert by_name["ana"]["offer_code"] == '\'=HYPERLINK("http://evil.example","win")'
    assert by_name["ana"]["state"] == "accepted" and by_name["ana"]["replied_at"]
    assert by_name["ana"]["language"] == "fr" and by_name["bob"]["language"] == "en"
    assert by_name["bob"]["email_status"] == "failed" and by_name["bob"]["offer_code"] == ""


def test_results_page_funnel_and_a_permanent_failure(app, login, staff, event):
    campaign, people = event
    _deliver(people["ana"], SENT)
    _deliver(people["bea"], SENT)
    _deliver(people["dan"], FAILED, "550 5.1.1 <dan@example.com>: mailbox unavailable")
    code = _invitation(campaign, people["ana"]).checkin_code
    browser = login(staff)
    _check_in(browser, campaign, code)

    html = browser.get(f"/staff/campaigns/{campaign.id}/results").text
    text = _text(html)

    steps = ("Invited 5 100", "Emailed 5 100", "Delivered 2 40", "Failed 1 20",
             "Accepted 2 40", "Declined 1 20", "Waitlisted 1 20", "Attended 1 20")  # fmt: skip
    for figures in steps:
        assert figures in text, figures
    assert "Opened" not in text  # MAIL_TRACK_OPENS is off by default
    assert '<rect class="fill" width="40.0"' in html  # the delivered bar
    assert "60 % · 3 of 5 messages delivered or given up" in text  # 2 sent, 1 failed
    assert "550 5.1.1 <dan@example.com>: mailbox unavailable" in text
    assert "dan dan@example.com 1" in text

    app.config["MAIL_TRACK_OPENS"] = True
    assert "Opened" in _text(browser.get(f"/staff/campaigns/{campaign.id}/results").text)


def test_results_figures_are_counted_in_a_fixed_number_of_statements(
    login, staff, make_user, make_campaign, count_queries
):
    def statements(size: int) -> int:
        for _ in range(size):
            make_user()
        campaign = make_campaign("event")
        _send(campaign, staff)
        browser = login(staff)
        browser.get(f"/staff/campaigns/{campaign.id}/results")
        with count_queries() as counter:
            assert browser.get(f"/staff/campaigns/{campaign.id}/results").status_code == 200
        return counter.count

    assert statements(3) == statements(30)


@pytest.fixture
def survey(make_user, staff, make_campaign):
    campaign = make_campaign("survey")
    questions = [
        surveys.add_question(staff, campaign.id, "single", "Which blend?", "Quel mélange ?",
                             [{"en": "Dark", "fr": "Corsé"}, {"en": "Light", "fr": "Léger"}]),
        surveys.add_question(staff, campaign.id, "multiple", "When?", "Quand ?",
                             [{"en": "Morning", "fr": "Matin"}, {"en": "Noon", "fr": "Midi"},
                              {"en": "Night", "fr": "Soir"}]),
        surveys.add_question(staff, campaign.id, "scale", "How good?", "Quelle qualité ?"),
        surveys.add_question(staff, campaign.id, "nps", "Recommend us?", "Nous recommander ?"),
        surveys.add_question(staff, campaign.id, "text", "Anything else?", "Autre chose ?",
                             required=False),
    ]  # fmt: skip
    commit()
    ids = [q.id for q in questions]
    members = [make_user(name) for name in ("ana", "bea", "cyd", "dan")]
    _send(campaign, staff)
    answers = [
        (0, [0, 1], 5, 10, "<script>alert(1)</script>"),
        (0, [0], 4, 9, "=cmd|' /C calc'!A0"),
        (1, [2], 3, 7, ""),
        (0, [0, 2], 2, 3, "More decaf"),
    ]
    for member, values in zip(members, answers, strict=True):
        invitation_id = _invitation(campaign, member).id
        surveys.submit(member, invitation_id, dict(zip(ids, values, strict=True)))
        commit()
    return campaign, ids


def test_survey_results_per_question_with_charts(login, staff, survey):
    campaign, _ids = survey
    html = login(staff).get(f"/staff/campaigns/{campaign.id}/results").text
    text = _text(html)

    assert "4 responses." in text
    assert "Dark 3 75 " in text and "Light 1 25 " in text  # single choice
    assert "Morning 3 75 " in text and "Noon 1 25 " in text and "Night 2 50 " in text
    assert "Average: 3.5" in text  # (5 + 4 + 3 + 2) / 4
    # 10 and 9 promote, 7 is passive, 3 detracts: (2 - 1) / 4 = 25.
    assert "Net Promoter Score 25" in text
    assert "Promoters (9-10) 2 50 " in text and "Detractors (0-6) 1 25 " in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "More decaf" in text
    assert "Answered the survey 4 100" in text  # the funnel's last step for a survey
    # The funnel's 9 rows, then 2 choices, 3 choices, 5 and 11 scores, and the 3 NPS groups.
    assert html.count('class="chart-bar"') == 9 + 2 + 3 + 5 + 11 + 3


def test_survey_results_csv_one_row_per_response_and_question(login, staff, survey):
    campaign, _ids = survey
    browser = login(staff)
    rows = _csv(browser.get(f"/staff/campaigns/{campaign.id}/results.csv"))

    assert len(rows) == 4 * 5
    ana = [row for row in rows if row["username"] == "ana"]
    assert [row["answer"] for row in ana] == ["Dark", "Morning; Noon", "5", "10",
                                              "<script>alert(1)</script>"]  # fmt: skip
    bea_text = next(r for r in rows if r["username"] == "bea" and r["kind"] == "text")
    assert bea_text["answer"] == "'=cmd|' /C calc'!A0"
    cyd_text = next(r for r in rows if r["username"] == "cyd" and r["kind"] == "text")
    assert cyd_text["answer"] == ""


def test_only_surveys_have_answers_to_export(login, staff, event):
    campaign, _people = event
    assert login(staff).get(f"/staff/campaigns/{campaign.id}/results.csv").status_code == 404


def test_members_and_moderators_may_not_see_a_campaigns_people(login, member, moderator, event):
    campaign, _people = event
    for who in (member, moderator):
        browser = login(who)
        for path in ("people", "people.csv", "results"):
            response = browser.get(f"/staff/campaigns/{campaign.id}/{path}")
            response.close()
            assert response.status_code == 403, (who.username, path)


def test_free_texts_come_a_page_at_a_time(login, staff, make_user, make_campaign, monkeypatch):
    from app.invitations import survey_report

    monkeypatch.setattr(survey_report, "TEXTS_PER_PAGE", 2)
    campaign = make_campaign("survey")
    question = surveys.add_question(staff, campaign.id, "text", "Anything else?")
    commit()
    members = [make_user(f"texter{i}") for i in range(5)]
    _send(campaign, staff)
    for i, member in enumerate(members):
        surveys.submit(member, _invitation(campaign, member).id, {question.id: f"Idea {i}"})
        commit()
    browser = login(staff)
    pages = [browser.get(f"/staff/campaigns/{campaign.id}/results?texts={n}").text
             for n in (1, 2, 3)]  # fmt: skip

    assert [re.findall(r"<li>(Idea \d)</li>", page) for page in pages] == [
        ["Idea 0", "Idea 1"],
        ["Idea 2", "Idea 3"],
        ["Idea 4"],
    ]
    assert 'rel="next"' in pages[0] and 'rel="next"' not in pages[2]
    assert 'rel="prev"' in pages[2]


def test_the_tabs_link_the_campaigns_pages(login, staff, event):
    campaign, _people = event
    html = login(staff).get(f"/staff/campaigns/{campaign.id}/results").text
    tabs = re.search(r'<nav class="tabs".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', tabs) == [
        f"/staff/campaigns/{campaign.id}",
        f"/staff/campaigns/{campaign.id}/people",
        f"/staff/campaigns/{campaign.id}/results",
    ]
    assert 'aria-current="page">Results<' in tabs


def test_the_waitlist_shows_each_members_place_in_line(login, staff, make_user, make_campaign):
    first, second, third = make_user("first"), make_user("second"), make_user("third")
    campaign = make_campaign("event", capacity=1)
    _send(campaign, staff)
    for member in (first, second, third):
        replies.reply(member, _invitation(campaign, member).id, "accept")
        commit()
    replies.reply(second, _invitation(campaign, second).id, "decline")  # left the line
    commit()
    html = login(staff).get(f"/staff/campaigns/{campaign.id}/people?state=waitlisted").text
    assert "Waitlisted · no. 1" in _row(html, "third")
