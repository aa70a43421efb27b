"""The members' pages: their invitations, answering, calendar file and check-in code,
surveys, offer codes, the emailed links, the account page's settings, the profile."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import create_app
from app.core.clock import now_utc
from app.core.events import commit
from app.core.notifications import Notification
from app.extensions import db
from app.invitations import attendance, campaigns, offers, opt_outs, sending, surveys
from app.invitations.models import (
    ACCEPTED,
    ATTENDED,
    DECLINED,
    INVITED,
    WAITLISTED,
    AttendanceOnProfile,
    CampaignEmailOptOut,
    Invitation,
    SurveyResponse,
)
from app.invitations.tokens import REPLY, campaign_key, derive
from tests.support import at_once, button_submission, form_submission


def _send(campaign):
    sending.send(campaign.id)
    commit()
    return campaign


def _invitation(campaign, user) -> Invitation:
    db.session.expire_all()
    return db.session.scalar(
        select(Invitation).where(
            Invitation.campaign_id == campaign.id, Invitation.user_id == user.id
        )
    )


def _token(campaign, user) -> str:
    return derive(campaign_key(campaign.token_salt), REPLY, user.id)


def _press(browser, page_url: str, target: str):
    url, data = button_submission(browser.get(page_url).text, target)
    return browser.client.post(url, data=data)


# -- the list ---------------------------------------------------------------------------


def test_the_list_groups_invitations_in_one_query(make_user, make_campaign, login, count_queries):
    member, other = make_user("nina"), make_user("omar")
    waiting = _send(make_campaign(title_en="Roastery visit"))
    browser = login(member)
    browser.get("/invitations")
    with count_queries() as counter:
        assert browser.get("/invitations").status_code == 200
    one = counter.count

    accepted = _send(make_campaign(title_en="Tasting night"))
    declined = _send(make_campaign(title_en="Barista class"))
    full = _send(make_campaign(title_en="Tiny workshop", capacity=1))
    for campaign, answer in ((accepted, "accept"), (declined, "decline"), (full, "accept")):
        if campaign is full:
            login(other).post(f"/invitations/{_invitation(full, other).id}/accept")
        browser.post(f"/invitations/{_invitation(campaign, member).id}/{answer}")
    with count_queries() as counter:
        page = browser.get("/invitations").text
    assert counter.count == one, "one query for the invitations, however many"

    waiting_part, rest = page.split("Accepted</h2>", 1)
    accepted_part, past_part = rest.split("Past</h2>", 1)
    assert "Roastery visit" in waiting_part
    assert "Tasting night" in accepted_part
    assert "Tiny workshop" in accepted_part and "On the waitlist, number 1" in accepted_part
    assert "Barista class" in past_part and "You declined" in past_part
    assert f'href="/invitations/{_invitation(waiting, member).id}"' in page


def test_a_member_answers_from_the_list_and_finds_the_calendar_file_there(
    make_user, make_campaign, login
):
    member = make_user("lina")
    campaign = _send(make_campaign())
    invitation_id = _invitation(campaign, member).id
    browser = login(member)
    response = _press(browser, "/invitations", f"/invitations/{invitation_id}/accept")
    assert response.status_code == 303
    assert _invitation(campaign, member).state == ACCEPTED
    page = browser.get("/invitations").text
    assert f"/invitations/{invitation_id}/event.ics" in page
    assert f"/invitations/{invitation_id}/accept" not in page


def test_the_list_of_a_member_without_invitations_says_so(member, login, client):
    assert "You have no invitations yet" in login(member).get("/invitations").text
    assert client.get("/invitations").status_code == 302  # to the login page


# -- one invitation ---------------------------------------------------------------------


def test_the_invitation_page_speaks_the_members_language_and_escapes_their_name(
    make_user, make_campaign, login
):
    member = make_user("jean.dupont", locale="fr")
    campaign = _send(
        make_campaign(
            message_fr="Cher **{name}**, <script>x()</script> venez !",
            online_link="javascript:alert(1)",
        )
    )
    invitation = _invitation(campaign, member)
    page = login(member).get(f"/invitations/{invitation.id}").text
    assert "Dégustation à la brûlerie" in page
    assert "<strong>nouveaux</strong>" in page  # the description, cooked
    assert "Cher <strong>jean.dupont</strong>" in page
    assert "<script>x()</script>" not in page
    assert "12 rue des Cafés, Lyon" in page
    assert 'href="javascript:' not in page
    assert "Accepter" in page and "Décliner" in page


def test_another_members_invitation_is_not_found(make_user, make_campaign, login):
    owner, intruder = make_user("owner"), make_user("intruder")
    campaign = _send(make_campaign())
    invitation = _invitation(campaign, owner)
    browser = login(intruder)
    for url in (f"/invitations/{invitation.id}", f"/invitations/{invitation.id}/event.ics",
                f"/invitations/{invitation.id}/checkin.svg"):  # fmt: skip
        assert browser.get(url).status_code == 404
    assert browser.post(f"/invitations/{invitation.id}/accept").status_code == 404
    assert _invitation(campaign, owner).state == INVITED


def test_accepting_an_event_gives_the_calendar_file_and_the_check_in_code(
    app, make_user, make_campaign, login
):
    member = make_user("paula")
    campaign = _send(make_campaign(online_link="https://meet.example/roastery"))
    invitation = _invitation(campaign, member)
    browser = login(member)
    page_url = f"/invitations/{invitation.id}"
    assert browser.get(f"{page_url}/event.ics").status_code == 404  # not accepted yet
    assert "check-in" not in browser.get(page_url).text

    response = _press(browser, page_url, f"{page_url}/accept")
    assert response.status_code == 303
    assert _invitation(campaign, member).state == ACCEPTED
    page = browser.get(page_url).text
    assert "You have accepted" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'class="qr"' in page
    assert invitation.checkin_code in page

    ics = browser.get(f"{page_url}/event.ics")
    assert ics.mimetype == "text/calendar"
    event = Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert str(event["UID"]) == f"campaign-{campaign.id}@localhost"
    assert event.decoded("DTSTART") == campaign.starts_at.replace(microsecond=0)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == campaign.ends_at.replace(microsecond=0)
    assert str(event["SUMMARY"]) == "Coffee tasting at the roastery"
    assert str(event["LOCATION"]) == "12 rue des Cafés, Lyon"
    assert str(event["URL"]) == "https://meet.example/roastery"  # where to join
    assert "Taste the new blends" in str(event["DESCRIPTION"])
    other = Calendar.from_ical(browser.get(f"{page_url}/event.ics").data).walk("VEVENT")[0]
    assert other["UID"] == event["UID"], "the same event for every download"

    svg = browser.get(f"{page_url}/checkin.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data

    # Staff scan the code shown on the page.
    staff = db.session.get(type(member), campaign.created_by_id)
    attendance.mark_attended(staff, campaign.id, invitation.checkin_code)
    commit()
    assert _invitation(campaign, member).state == ATTENDED


def test_after_the_deadline_or_when_cancelled_the_page_says_so(
    make_user, make_campaign, login, staff
):
    member = make_user("quentin")
    late = _send(make_campaign(title_en="Late"))
    late.reply_deadline = now_utc() - timedelta(minutes=1)
    commit()
    browser = login(member)
    page = browser.get(f"/invitations/{_invitation(late, member).id}").text
    assert "The time to answer this invitation has passed." in page
    assert "/accept" not in page
    assert browser.post(f"/invitations/{_invitation(late, member).id}/accept").status_code == 303
    assert _invitation(late, member).state == INVITED

    gone = _send(make_campaign(title_en="Gone"))
    invitation_id = _invitation(gone, member).id
    browser.post(f"/invitations/{invitation_id}/accept")
    campaigns.cancel(staff, db.session.get(type(gone), gone.id))
    commit()
    assert "This campaign was cancelled." in browser.get(f"/invitations/{invitation_id}").text
    told = db.session.scalar(
        select(Notification.url).where(Notification.kind == "invitations.cancelled")
    )
    assert browser.get(told).headers["Location"] == f"/invitations/{invitation_id}"
    past = browser.get("/invitations").text.split("Past</h2>", 1)[1]
    assert "Gone" in past and "Late" in past


def test_a_full_event_shows_the_waitlist_position(make_user, make_campaign, login):
    first, second = make_user("first"), make_user("second")
    campaign = _send(make_campaign(capacity=1))
    login(first).post(f"/invitations/{_invitation(campaign, first).id}/accept")
    browser = login(second)
    page_url = f"/invitations/{_invitation(campaign, second).id}"
    response = _press(browser, page_url, f"{page_url}/accept")
    assert response.status_code == 303
    assert _invitation(campaign, second).state == WAITLISTED
    page = browser.get(page_url).text
    assert "You are number 1 on the waitlist" in page
    assert "check-in" not in page

    # The first declines: the seat goes to the second, whose notification leads here.
    login(first).post(f"/invitations/{_invitation(campaign, first).id}/decline")
    assert _invitation(campaign, second).state == ACCEPTED
    told = db.session.scalar(
        select(Notification.url).where(Notification.kind == "invitations.promoted")
    )
    assert told == page_url and "check-in code" in browser.get(told).text


def test_every_notification_of_invitations_leads_to_a_page(make_user, make_campaign, login):
    member = make_user("rita")
    _send(make_campaign())
    browser = login(member)
    urls = db.session.scalars(
        select(Notification.url).where(Notification.kind.like("invitations.%"))
    ).all()
    assert urls and all(browser.get(url).status_code == 200 for url in urls)


def test_an_offer_shows_the_personal_code_once_accepted(make_user, make_campaign, login, staff):
    member = make_user("sami")
    campaign = make_campaign("offer", title_en="Ten percent off")
    offers.upload_codes(staff, campaign.id, "BREW-1111\nBREW-2222")
    commit()
    _send(campaign)
    browser = login(member)
    page_url = f"/invitations/{_invitation(campaign, member).id}"
    assert "BREW-" not in browser.get(page_url).text
    _press(browser, page_url, f"{page_url}/accept")
    assert re.search(r"<code>BREW-\d{4}</code>", browser.get(page_url).text)


def test_with_implicit_status_no_page_names_a_status(app, make_user, make_campaign, login):
    app.config["AMBASSADOR_STATUS_PUBLIC"] = False
    member = make_user("tess")
    campaign = _send(make_campaign())
    browser = login(member)
    page_url = f"/invitations/{_invitation(campaign, member).id}"
    _press(browser, page_url, f"{page_url}/accept")
    for url in ("/invitations", page_url, f"/invitations/reply/{_token(campaign, member)}/accept"):
        main = browser.get(url).text.split('<main id="main">', 1)[1].split("</main>")[0]
        words = re.sub(r"<[^>]+>", " ", main).lower()  # what the member reads
        for word in ("ambassad", "status", "statut", "segment"):
            assert word not in words, (url, word)


# -- surveys ----------------------------------------------------------------------------


def _survey(make_campaign, staff):
    campaign = make_campaign("survey", title_en="What next?")
    roasts = [{"en": "Light", "fr": "Claire"}, {"en": "Dark", "fr": "Foncée"}]
    surveys.add_question(staff, campaign.id, "single", "Favourite roast?", "Torréfaction ?",
                         choices=roasts)  # fmt: skip
    surveys.add_question(staff, campaign.id, "multiple", "Which drinks?", choices=[
        {"en": "Espresso"}, {"en": "Latte"}, {"en": "Filter"}])  # fmt: skip
    surveys.add_question(staff, campaign.id, "scale", "How is the shop?")
    surveys.add_question(staff, campaign.id, "nps", "Recommend us?")
    surveys.add_question(staff, campaign.id, "text", "Anything else?", required=False)
    commit()
    return _send(campaign)


def test_the_survey_form_enforces_required_questions_and_records_one_response(
    make_user, make_campaign, staff, login
):
    member = make_user("ugo")
    campaign = _survey(make_campaign, staff)
    browser = login(member)
    invitation = _invitation(campaign, member)
    page_url = f"/invitations/{invitation.id}"
    page = browser.get(page_url).text
    target = f"{page_url}/survey"
    url, data = form_submission(page, target)  # nothing ticked
    response = browser.client.post(url, data=data)
    assert response.status_code == 422
    assert response.text.count("Please answer this question.") == 4
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0

    questions = re.findall(r'name="(q\d+)"', page)
    single, multiple, scale, nps, text = dict.fromkeys(questions)
    url, data = form_submission(response.text, target)
    data.update({single: "1", scale: "4", nps: "9", text: "More oat milk"})
    response = browser.client.post(
        url, data=MultiDict([*data.items(), (multiple, "0"), (multiple, "2")])
    )
    assert response.status_code == 303
    assert "your answers are recorded" in browser.get(page_url).text
    counts = surveys.results(campaign.id)
    assert sum(counts[int(multiple[1:])]["values"].values()) == 2
    assert browser.client.post(url, data=data).status_code in (303, 422)
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1


def test_a_survey_sent_twice_at_once_records_one_response(make_user, make_campaign, staff, login):
    member = make_user("vera")
    campaign = _survey(make_campaign, staff)
    page_url = f"/invitations/{_invitation(campaign, member).id}"
    page = login(member).get(page_url).text
    questions = list(dict.fromkeys(re.findall(r'name="(q\d+)"', page)))
    url, data = form_submission(page, f"{page_url}/survey")
    data.update(dict(zip(questions[:4], ("0", "1", "3", "7"), strict=True)))
    browsers = [login(member) for _ in range(6)]
    statuses = at_once(6, lambda i: browsers[i].client.post(url, data=data).status_code)
    assert all(status in (303, 422) for status in statuses), statuses
    db.session.expire_all()
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1


# -- the emailed links ------------------------------------------------------------------


def test_the_emailed_link_asks_first_then_accepts_logged_out(make_user, make_campaign, client):
    member = make_user("wendy")
    campaign = _send(make_campaign())
    link = f"/invitations/reply/{_token(campaign, member)}/accept"
    page = client.get(link)  # what a mail scanner does
    assert page.status_code == 200 and "You are about to accept" in page.text
    assert _invitation(campaign, member).state == INVITED

    _url, data = form_submission(page.text, "")
    response = client.post(link, data=data)
    assert response.status_code == 200 and "You have accepted" in response.text
    assert _invitation(campaign, member).state == ACCEPTED
    again = client.post(link, data=data)
    assert again.status_code == 409 and "already been used" in again.text
    assert client.get(f"/invitations/reply/{_token(campaign, member)}/decline").status_code == 409


def test_the_confirmation_pressed_many_times_at_once_answers_once(
    make_user, make_campaign, client, app
):
    member = make_user("maya")
    campaign = _send(make_campaign(capacity=1))
    link = f"/invitations/reply/{_token(campaign, member)}/accept"
    browsers = [app.test_client() for _ in range(8)]
    forms = [form_submission(b.get(link).text, "")[1] for b in browsers]
    statuses = at_once(8, lambda i: browsers[i].post(link, data=forms[i]).status_code)
    assert sorted(statuses) == [200] + [409] * 7, statuses
    invitation = _invitation(campaign, member)
    assert (invitation.state, invitation.token_used_at is not None) == (ACCEPTED, True)


def test_the_decline_link_declines(make_user, make_campaign, client):
    member = make_user("xavier")
    campaign = _send(make_campaign())
    link = f"/invitations/reply/{_token(campaign, member)}/decline"
    _url, data = form_submission(client.get(link).text, "")
    assert client.post(link, data=data).status_code == 200
    assert _invitation(campaign, member).state == DECLINED


@pytest.mark.parametrize(
    "token, status, message",
    [
        ("not-a-token", 404, "Ce lien est incomplet ou abîmé"),
        ("0" * 32, 404, "Ce lien ne correspond à aucune invitation"),
        ("a" * 10_000, 404, "Ce lien est incomplet ou abîmé"),
        ("%00" + "a" * 31, 404, ""),
        ("a%00b", 404, ""),
        ("%C3%A9" * 16, 404, "Ce lien est incomplet ou abîmé"),
    ],
)
def test_a_broken_link_gets_a_clear_page_in_the_members_language(
    make_user, make_campaign, client, token, status, message
):
    _send(make_campaign())
    french = {"Accept-Language": "fr"}
    response = client.get(f"/invitations/reply/{token}/accept", headers=french)
    assert response.status_code == status
    assert message in response.text
    assert client.post(f"/invitations/reply/{token}/accept").status_code in (400, 404)


def test_an_expired_link_and_another_members_link_are_explained(
    make_user, make_campaign, client, login
):
    owner, other = make_user("yann"), make_user("zelie", locale="fr")
    campaign = _send(make_campaign())
    link = f"/invitations/reply/{_token(campaign, owner)}/accept"
    response = login(other).get(link)
    assert response.status_code == 403 and "envoyé à un autre membre" in response.text

    invitation = _invitation(campaign, owner)
    invitation.token_expires_at = now_utc() - timedelta(seconds=1)
    commit()
    response = client.get(link)
    assert response.status_code == 410 and "The time to answer" in response.text
    assert _invitation(campaign, owner).state == INVITED


def test_the_answer_post_is_rate_limited_per_address(database_url, make_user, make_campaign):
    member = make_user("limits")
    campaign = _send(make_campaign())
    limited = create_app("testing", {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": True,
                                     "CAMPAIGN_LINK_LIMIT_PER_IP": "2/minute"})  # fmt: skip
    browser = limited.test_client()
    link = f"/invitations/reply/{'0' * 32}/accept"
    data = form_submission(browser.get(f"/invitations/reply/{_token(campaign, member)}/accept")
                           .text, "")[1]  # fmt: skip
    statuses = [browser.post(link, data=data).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


# -- unsubscribing ----------------------------------------------------------------------


def test_unsubscribing_asks_first_and_one_click_works_without_csrf(
    app, make_user, make_campaign, client
):
    member = make_user("abel")
    campaign = _send(make_campaign())
    link = f"/invitations/unsubscribe/{_token(campaign, member)}"
    page = client.get(link)
    assert page.status_code == 200 and "Unsubscribe" in page.text
    assert not opt_outs.has_opted_out(member.id)

    assert app.config.get("WTF_CSRF_ENABLED", True), "CSRF is on in this test"
    refused = client.post(f"/invitations/reply/{_token(campaign, member)}/accept")
    assert refused.status_code == 400, "the other emailed link still needs its CSRF token"
    response = client.post(link, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 200 and "You are unsubscribed" in response.text
    assert opt_outs.has_opted_out(member.id)
    assert client.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200

    assert client.get("/invitations/unsubscribe/nope").status_code == 404
    assert client.post(f"/invitations/unsubscribe/{'0' * 32}").status_code == 404
    assert client.post("/invitations/unsubscribe/" + "a" * 10_000).status_code == 404


def test_the_unsubscribe_pages_button_works_too(make_user, make_campaign, client):
    member = make_user("bea")
    campaign = _send(make_campaign())
    link = f"/invitations/unsubscribe/{_token(campaign, member)}"
    _url, data = form_submission(client.get(link).text, "")
    assert client.post(link, data=data).status_code == 200
    assert opt_outs.has_opted_out(member.id)


# -- the account page and the profile ---------------------------------------------------


def test_the_account_page_sets_campaign_email_and_events_on_the_profile(
    make_user, make_campaign, login, client, staff
):
    member = make_user("cleo")
    browser = login(member)
    page = browser.get("/account/profile").text
    assert "Receive campaign invitations by email" in page
    assert re.search(r'<input checked[^>]*name="campaign_email"', page)
    assert not re.search(r'<input checked[^>]*name="attendance_on_profile"', page)

    url, data = form_submission(page, "/invitations/settings")
    data.pop("campaign_email")
    assert browser.client.post(url, data=data).status_code == 303
    assert opt_outs.has_opted_out(member.id)
    page = browser.get("/account/profile").text
    assert not re.search(r'<input checked[^>]*name="campaign_email"', page)

    campaign = _send(make_campaign(title_en="Open house"))
    assert not _invitation(campaign, member).emailed, "opted out: no email"
    invitation = _invitation(campaign, member)
    browser.post(f"/invitations/{invitation.id}/accept")
    attendance.mark_attended(staff, campaign.id, invitation.checkin_code)
    commit()
    assert "Events attended" not in client.get("/u/cleo").text, "off by default"

    url, data = form_submission(page, "/invitations/settings",
                                campaign_email="y", attendance_on_profile="y")  # fmt: skip
    assert browser.client.post(url, data=data).status_code == 303
    assert not opt_outs.has_opted_out(member.id)
    profile = client.get("/u/cleo").text
    assert "Events attended" in profile and "Open house" in profile


def test_the_account_settings_saved_many_times_at_once_keep_one_row_each(make_user, login):
    member = make_user("dora")
    page = login(member).get("/account/profile").text
    url, data = form_submission(page, "/invitations/settings", attendance_on_profile="y")
    data.pop("campaign_email")  # unticked: opted out of campaign email
    browsers = [login(member) for _ in range(6)]
    statuses = at_once(6, lambda i: browsers[i].client.post(url, data=data).status_code)
    assert statuses == [303] * 6, statuses
    db.session.expire_all()
    for table in (CampaignEmailOptOut, AttendanceOnProfile):
        count = db.session.scalar(
            select(func.count()).select_from(table).where(table.user_id == member.id)
        )
        assert count == 1, table.__tablename__
