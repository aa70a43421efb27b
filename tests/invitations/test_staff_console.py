"""The staff console (/staff), through its pages and their own forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.clock import now_utc
from app.core.events import commit
from app.extensions import db
from app.invitations import campaigns, sending
from app.invitations.models import (
    ACCEPTED,
    CANCELLED,
    CLOSED,
    DRAFT,
    KINDS,
    OPEN,
    SCHEDULED,
    Campaign,
    Invitation,
    OfferCode,
    SurveyQuestion,
)
from app.invitations.opt_outs import opt_out
from app.moderation.models import AuditEntry
from tests.support import at_once, form_submission

LATER = (now_utc() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
# Before the fixture's reply deadline (a week from now), in the site's zone or not.
SOON = (now_utc() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def desk(login, staff):
    return login(staff)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _new(desk, kind: str, **typed: str):
    page = desk.get(f"/staff/campaigns/new/{kind}")
    assert page.status_code == 200
    url, data = form_submission(page.text, f"/staff/campaigns/new/{kind}", **typed)
    return desk.client.post(url, data=data)


@pytest.mark.parametrize("kind", KINDS)
def test_staff_create_a_campaign_of_each_kind_through_the_form(desk, kind):
    chooser = desk.get("/staff/campaigns/new").text
    assert f'href="/staff/campaigns/new/{kind}"' in chooser
    typed = {"title_en": "Tasting", "title_fr": "Dégustation", "description_en": "**New** blends",
             "message_fr": "Bonjour {name}", "reply_deadline": LATER}  # fmt: skip
    if kind in ("event", "workshop"):
        typed.update(place="Lyon", starts_at="2031-05-01T18:00", ends_at="2031-05-01T20:30",
                     capacity="12", online_link="https://meet.example/x")  # fmt: skip
    response = _new(desk, kind, **typed)

    assert response.status_code == 302
    campaign = db.session.scalars(select(Campaign)).one()
    assert (campaign.kind, campaign.state, campaign.title_fr) == (kind, DRAFT, "Dégustation")
    assert campaign.reply_deadline is not None
    if kind in ("event", "workshop"):
        # Typed in Europe/Paris (summer time, UTC+2): stored in UTC.
        assert campaign.starts_at.isoformat() == "2031-05-01T16:00:00+00:00"
        assert campaign.capacity == 12
    page = desk.get(response.location).text
    assert "<strong>New</strong> blends" in page  # the cooked preview
    assert "Bonjour {name}" in page


def test_a_bad_field_is_a_form_error_naming_it_and_nothing_is_saved(desk):
    response = _new(desk, "event", title_en="Tasting", starts_at="2031-05-01T20:00",
                    ends_at="2031-05-01T18:00", reply_deadline="31/31/2031")  # fmt: skip
    assert response.status_code == 422
    assert "Give a date and a time" in response.text
    response = _new(desk, "event", title_en="Tasting", starts_at="2031-05-01T20:00",
                    ends_at="2031-05-01T18:00")  # fmt: skip
    assert response.status_code == 422
    assert 'id="ends_at-error"' in response.text
    assert "The end comes before the start." in response.text
    assert _count(Campaign) == 0


def test_a_double_click_on_create_makes_one_draft(desk):
    page = desk.get("/staff/campaigns/new/survey").text
    url, data = form_submission(page, "/staff/campaigns/new/survey", title_en="Your opinion")
    first = desk.client.post(url, data=data)
    second = desk.client.post(url, data=data)
    assert first.location == second.location
    assert _count(Campaign) == 0 + 1


def test_the_list_shows_each_campaign_its_counts_and_filters_by_state(
    desk, make_campaign, make_user, count_queries
):
    members = [make_user() for _ in range(3)]
    sent = make_campaign(title_en="Sent one")
    sending.send(sent.id)
    commit()
    db.session.execute(
        Invitation.__table__.update()
        .where(Invitation.user_id == members[0].id)
        .values(state=ACCEPTED)
    )
    commit()
    make_campaign("survey", title_en="Draft survey")
    page = desk.get("/staff/").text
    assert "Sent one" in page and "Draft survey" in page
    assert 'data-label="Invited">3</td>\n<td class="num" data-label="Accepted">1</td>' in page
    assert "Draft survey" not in desk.get("/staff/campaigns?state=open").text
    assert desk.get("/staff/campaigns?state=nonsense").status_code == 404

    with count_queries() as few:
        desk.get("/staff/campaigns")
    for _ in range(5):
        make_campaign("offer")
    with count_queries() as many:
        desk.get("/staff/campaigns")
    assert many.count == few.count


def test_the_menu_links_staff_to_the_console(desk, login, member, moderator):
    assert '<a href="/staff/campaigns">Campaigns</a>' in desk.get("/").text
    # The menu's one staff entry now leads staff here: their other pages are linked.
    console = desk.get("/staff/campaigns").text
    assert 'href="/manage/ambassadors"' in console and 'href="/manage/log"' in console
    for who in (member, moderator):
        assert "/staff" not in login(who).get("/").text


def test_editing_only_drafts(desk, make_campaign):
    campaign = make_campaign()
    page = desk.get(f"/staff/campaigns/{campaign.id}/edit").text
    url, data = form_submission(page, f"/staff/campaigns/{campaign.id}/edit", title_en="Renamed")
    assert desk.client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).title_en == "Renamed"
    campaigns.schedule(campaigns.get(campaign.id).created_by_id and desk.user, campaign,
                       now_utc() + timedelta(days=1))  # fmt: skip
    commit()
    assert desk.get(f"/staff/campaigns/{campaign.id}/edit").status_code == 302
    assert desk.client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == SCHEDULED


def test_audience_builder_saves_every_criterion_and_shows_count_and_sample(
    desk, make_campaign, make_user, category
):
    fr = make_user("francine", locale="fr")
    make_user("edward", locale="en")
    campaign = make_campaign(audience={})
    url = f"/staff/campaigns/{campaign.id}/audience"
    page = desk.get(url).text
    assert "The audience holds 2 members now." in page
    for name in ("segments", "helpers", "badge", "expert_category_id", "expert_min_tier",
                 "top_category_id", "top_count", "top_period", "min_level", "language",
                 "attended_any", "listed", "not_invited_within_days"):  # fmt: skip
        assert f'name="{name}"' in page, name
    action, data = form_submission(page, url, language="fr", not_invited_within_days="30",
                                   top_category_id=str(category.id), top_count="5")  # fmt: skip
    response = desk.client.post(action, data=data)
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Campaign, campaign.id).audience
    assert stored["language"] == "fr" and stored["not_invited_within_days"] == 30
    assert stored["top_category_id"] == category.id
    page = desk.get(url).text
    assert "The audience holds 0 members now." in page  # nobody on the leaderboard yet
    _action, data = form_submission(page, url, top_category_id="", top_count="")
    desk.client.post(action, data=data)
    page = desk.get(url).text
    assert "The audience holds 1 member now." in page
    assert fr.username in page


def test_a_bad_number_in_the_audience_is_a_form_error(desk, make_campaign):
    campaign = make_campaign()
    url = f"/staff/campaigns/{campaign.id}/audience"
    action, data = form_submission(desk.get(url).text, url, not_invited_within_days="99999")
    response = desk.client.post(action, data=data)
    assert response.status_code == 422
    assert "From 1 to 3650 days." in response.text


def test_the_uploaded_list_reports_bad_rows_by_line_and_keeps_the_good(
    desk, make_campaign, make_user
):
    make_user("bruno")
    alice = make_user("alicia")
    campaign = make_campaign()
    url = f"/staff/campaigns/{campaign.id}/audience/list"
    page = desk.get(f"/staff/campaigns/{campaign.id}/audience").text
    action, data = form_submission(page, url, members="username\nalicia\nnobody\nbruno@example.com")
    response = desk.client.post(action, data=data)
    assert response.status_code == 200
    assert "Line 3: no member is known as “nobody”." in response.text
    assert "2 members kept from the list." in response.text
    assert "The audience holds 2 members now." in response.text
    assert alice.username in response.text


def test_the_list_can_be_a_file(desk, make_campaign, make_user):
    import io

    make_user("alicia")
    campaign = make_campaign()
    url = f"/staff/campaigns/{campaign.id}/audience/list"
    page = desk.get(f"/staff/campaigns/{campaign.id}/audience").text
    action, data = form_submission(page, url)
    data["members_file"] = (io.BytesIO(b"\xef\xbb\xbfalicia\n\xff\n"), "list.csv")
    response = desk.client.post(action, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "not UTF-8" in response.text
    data["members_file"] = (io.BytesIO("alicia\nzoé\n".encode()), "list.csv")
    response = desk.client.post(action, data=data, content_type="multipart/form-data")
    assert "1 member kept from the list." in response.text
    assert "Line 2: no member is known as “zoé”." in response.text


def test_the_send_page_shows_the_audience_and_who_gets_email_then_sends_once(
    desk, make_campaign, make_user
):
    members = [make_user() for _ in range(3)]
    opt_out(members[0].id)
    commit()
    campaign = make_campaign()
    page = desk.get(f"/staff/campaigns/{campaign.id}/send").text
    assert "3 members will get the invitation in Tribune." in page
    assert "2 of them will get it by email too." in page
    assert "1 opted out of campaign email" in page
    url, data = form_submission(page, f"/staff/campaigns/{campaign.id}/send")
    first = desk.client.post(url, data=data)
    second = desk.client.post(url, data=data)
    assert first.status_code == second.status_code == 302
    assert _count(Invitation) == 3
    assert "Sent: 3 members invited. 2 emails queued." in desk.get(first.location).text
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == OPEN


def test_two_staff_sending_at_once_send_once(desk, login, make_user, make_campaign):
    for _ in range(4):
        make_user()
    campaign = make_campaign()
    page = desk.get(f"/staff/campaigns/{campaign.id}/send").text
    url, data = form_submission(page, f"/staff/campaigns/{campaign.id}/send")
    clicks = [login(desk.user) for _ in range(8)]
    statuses = at_once(8, lambda i: clicks[i].client.post(url, data=data).status_code)
    assert statuses == [302] * 8
    assert _count(Invitation) == 4
    assert _count(AuditEntry, AuditEntry.action == "campaign.send") == 1


def test_a_send_without_deadline_says_so(desk, make_campaign, make_user):
    make_user()
    campaign = make_campaign(reply_deadline=None)
    page = desk.get(f"/staff/campaigns/{campaign.id}/send").text
    url, data = form_submission(page, f"/staff/campaigns/{campaign.id}/send")
    response = desk.client.post(url, data=data, follow_redirects=True)
    assert "Set a reply deadline in the future before sending." in response.text
    assert _count(Invitation) == 0


def _press(desk, campaign_id: int, action: str, **typed: str):
    page = desk.get(f"/staff/campaigns/{campaign_id}").text
    url, data = form_submission(page, f"/staff/campaigns/{campaign_id}/{action}", **typed)
    return desk.client.post(url, data=data, follow_redirects=True)


def test_schedule_unschedule_close_cancel_duplicate_from_the_campaign_page(
    desk, make_campaign, make_user
):
    members = [make_user() for _ in range(2)]
    campaign = make_campaign()
    past = _press(desk, campaign.id, "schedule", scheduled_at="2020-01-01T10:00")
    assert "Choose a time in the future." in past.text
    late = _press(desk, campaign.id, "schedule", scheduled_at=LATER)
    assert "Set a reply deadline in the future before sending." in late.text
    _press(desk, campaign.id, "schedule", scheduled_at=SOON)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == SCHEDULED
    _press(desk, campaign.id, "unschedule")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == DRAFT

    sending.send(campaign.id)
    commit()
    db.session.execute(
        Invitation.__table__.update()
        .where(Invitation.user_id == members[0].id)
        .values(state=ACCEPTED)
    )
    commit()
    reminded = _press(desk, campaign.id, "remind")
    assert "Reminder sent: 1 email queued." in reminded.text
    again = _press(desk, campaign.id, "remind")
    assert "A reminder was already sent in the last day." in again.text
    assert "Last reminder:" in again.text
    cancelled = _press(desk, campaign.id, "cancel", reason="The roastery is closed")
    assert "Cancelled. 1 member who had accepted was told." in cancelled.text
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CANCELLED

    copied = _press(desk, campaign.id, "duplicate")
    assert "A new draft, copied from" in copied.text
    assert _count(Campaign, Campaign.state == DRAFT) == 1


def test_closing_an_open_campaign(desk, make_campaign, make_user):
    make_user()
    campaign = make_campaign()
    sending.send(campaign.id)
    commit()
    _press(desk, campaign.id, "close")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CLOSED


def test_offer_codes_upload_reports_repeats_and_long_lines(desk, make_campaign):
    campaign = make_campaign("offer")
    response = _press(desk, campaign.id, "codes", codes="A1\nA2\nA1\n" + "x" * 70 + "\n")
    assert "2 codes added." in response.text
    assert "Lines not used (a code is at most 64 characters): 4." in response.text
    response = _press(desk, campaign.id, "codes", codes="A2\nA3")
    assert "1 code added." in response.text
    assert "1 code was there already (kept once)." in response.text
    assert _count(OfferCode) == 3
    assert "3 codes left to give." in response.text


def test_survey_questions_are_added_moved_and_removed_on_drafts(desk, make_campaign):
    campaign = make_campaign("survey")
    choice = _press(
        desk,
        campaign.id,
        "questions",
        kind="single",
        prompt_en="Which roast?",
        prompt_fr="Quelle torréfaction ?",
        choices="Light | Claire\nDark | Foncée",
    )
    assert "Question added." in choice.text
    short = _press(desk, campaign.id, "questions", kind="multiple", prompt_en="Which?",
                   choices="Only one")  # fmt: skip
    assert "A choice question needs two choices or more." in short.text
    _press(desk, campaign.id, "questions", kind="nps", prompt_en="Would you recommend us?")
    questions = db.session.scalars(select(SurveyQuestion).order_by(SurveyQuestion.position)).all()
    assert [q.kind for q in questions] == ["single", "nps"]
    assert questions[0].choices == [{"en": "Light", "fr": "Claire"}, {"en": "Dark", "fr": "Foncée"}]
    second = questions[1].id
    page = desk.get(f"/staff/campaigns/{campaign.id}").text
    move = f"/staff/campaigns/{campaign.id}/questions/{second}/move"
    url, data = form_submission(page, move)
    desk.client.post(url, data={**data, "direction": "up"})
    db.session.expire_all()
    kinds = db.session.scalars(select(SurveyQuestion.kind).order_by(SurveyQuestion.position))
    assert list(kinds) == ["nps", "single"]
    _press(desk, campaign.id, f"questions/{second}/remove")
    assert list(db.session.scalars(select(SurveyQuestion.kind))) == ["single"]


def test_staff_actions_appear_in_the_moderation_log(desk, login, admin, make_campaign, make_user):
    make_user()
    _new(desk, "survey", title_en="Your opinion", reply_deadline=LATER)
    campaign = db.session.scalars(select(Campaign)).one()
    _press(desk, campaign.id, "questions", kind="text", prompt_en="Anything else?")
    audience = f"/staff/campaigns/{campaign.id}/audience"
    url, data = form_submission(desk.get(audience).text, audience, language="en")
    desk.client.post(url, data=data)
    list_url = f"/staff/campaigns/{campaign.id}/audience/list"
    url, data = form_submission(desk.get(audience).text, list_url, members="nobody")
    desk.client.post(url, data=data)
    _press(desk, campaign.id, "schedule", scheduled_at=SOON)
    _press(desk, campaign.id, "unschedule")
    send = f"/staff/campaigns/{campaign.id}/send"
    url, data = form_submission(desk.get(send).text, send)
    desk.client.post(url, data=data)
    _press(desk, campaign.id, "cancel", reason="Wrong audience")
    offer = make_campaign("offer")
    _press(desk, offer.id, "codes", codes="CODE-1")
    log = login(admin).get("/manage/log").text
    for action in ("campaign.create", "survey.question", "campaign.audience", "campaign.list",
                   "campaign.schedule", "campaign.unschedule", "campaign.send",
                   "campaign.cancel", "campaign.codes"):  # fmt: skip
        assert f"<td>{action}</td>" in log, action
    assert "Wrong audience" in log


def test_a_campaign_scheduled_on_its_page_is_sent_by_the_job(desk, make_campaign, make_user):
    from app.invitations import jobs

    make_user()
    campaign = make_campaign()
    _press(desk, campaign.id, "schedule", scheduled_at=SOON)
    db.session.expire_all()
    at = db.session.get(Campaign, campaign.id).scheduled_at
    assert jobs.send_scheduled_campaigns(as_of=at - timedelta(minutes=1))["campaigns"] == 0
    assert jobs.send_scheduled_campaigns(as_of=at)["campaigns"] == 1
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == OPEN
    assert _count(Invitation) == 1


def test_pages_of_a_missing_campaign_are_404(desk):
    for path in ("", "/edit", "/audience", "/send"):
        assert desk.get(f"/staff/campaigns/999999{path}").status_code == 404
    assert desk.get("/staff/campaigns/new/party").status_code == 404


def test_double_clicks_on_add_question_and_duplicate_act_once(desk, make_campaign):
    campaign = make_campaign("survey")
    page = desk.get(f"/staff/campaigns/{campaign.id}").text
    url, data = form_submission(page, f"/staff/campaigns/{campaign.id}/questions",
                                kind="scale", prompt_en="How was it?")  # fmt: skip
    statuses = [desk.client.post(url, data=data).status_code for _ in range(2)]
    assert statuses == [302, 302]
    assert _count(SurveyQuestion) == 1
    url, data = form_submission(page, f"/staff/campaigns/{campaign.id}/duplicate")
    first, second = (desk.client.post(url, data=data) for _ in range(2))
    assert first.location == second.location
    assert _count(Campaign) == 2


def test_the_campaign_page_reads_a_fixed_number_of_queries(desk, staff, make_campaign,
                                                           count_queries):  # fmt: skip
    from app.invitations import surveys

    campaign = make_campaign("survey")
    campaign_id = campaign.id  # read before the commits expire it: the test's own query
    page = f"/staff/campaigns/{campaign_id}"
    surveys.add_question(staff, campaign_id, "text", "One?")
    commit()
    desk.get(page)  # the day's visit is recorded once
    with count_queries() as few:
        desk.get(page)
    for n in range(6):
        surveys.add_question(staff, campaign_id, "single", f"Q{n}?", choices=[
            {"en": "A", "fr": "A"}, {"en": "B", "fr": "B"}])  # fmt: skip
    commit()
    with count_queries() as many:
        desk.get(page)
    assert many.count == few.count


def test_the_overview_tabs_link_the_people_and_results_pages(desk, make_campaign):
    campaign = make_campaign()
    page = desk.get(f"/staff/campaigns/{campaign.id}").text
    tabs = re.search(r'<nav class="tabs".*?</nav>', page, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', tabs) == [
        f"/staff/campaigns/{campaign.id}",
        f"/staff/campaigns/{campaign.id}/people",
        f"/staff/campaigns/{campaign.id}/results",
    ]
    assert 'aria-current="page">Overview<' in tabs
