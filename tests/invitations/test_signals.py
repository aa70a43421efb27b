"""Campaigns feed the ambassador score: events attended, surveys answered, workshops."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.ambassadors.models import EngagementScore, ExternalSignal
from app.badges.models import BadgeAward
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.invitations import attendance, replies, sending, surveys
from app.invitations.errors import ReplyError
from app.invitations.models import Campaign, Invitation
from tests.ambassadors.conftest import Community

LINES = {
    "en": ("Events attended", "Surveys answered", "Co-creation workshops taken part in"),
    "fr": (
        "Événements suivis",
        "Enquêtes complétées",
        "Ateliers de co-création suivis",
    ),
}


@pytest.fixture
def community(make_user, category) -> Community:
    return Community(make_user, category)


def _identify() -> None:
    job_run = run_job("identify-ambassadors")
    assert job_run.outcome == "success", job_run.error


def _invitation(campaign: Campaign, user: User) -> Invitation:
    db.session.expire_all()
    return db.session.scalar(
        select(Invitation).where(
            Invitation.campaign_id == campaign.id, Invitation.user_id == user.id
        )
    )


def _sent(make_campaign: Any, kind: str, staff: User | None = None) -> Campaign:
    campaign = make_campaign(kind, title_en=f"A {kind}")
    if kind == "survey":
        surveys.add_question(staff, campaign.id, "nps", "Would you recommend us?")
        commit()
    sending.send(campaign.id)
    commit()
    return campaign


def _take_part(member: User, staff: User, make_campaign: Any) -> None:
    """The member attends an event, answers a survey and attends a workshop."""
    event = _sent(make_campaign, "event")
    replies.reply(member, _invitation(event, member).id, "accept")
    commit()
    attendance.mark_attended(staff, event.id, _invitation(event, member).checkin_code)
    survey = _sent(make_campaign, "survey", staff)
    question = db.session.scalar(select(surveys.SurveyQuestion.id))
    surveys.submit(member, _invitation(survey, member).id, {question: 9})
    workshop = _sent(make_campaign, "workshop")
    for _scan in range(2):  # scanned twice: one signal
        attendance.mark_attended(staff, workshop.id, _invitation(workshop, member).checkin_code)
        commit()


def _score(member: User) -> EngagementScore:
    db.session.expire_all()
    return db.session.scalars(
        select(EngagementScore)
        .where(EngagementScore.user_id == member.id)
        .order_by(EngagementScore.run_id.desc())
    ).first()


def test_each_campaign_signal_counts_with_its_weight_on_both_breakdowns(
    app, community, staff, moderator, login, make_campaign
):
    taster = community.member("taster", answers=6, accepted=3, votes=2)
    _take_part(taster, staff, make_campaign)

    kinds = db.session.execute(
        select(ExternalSignal.kind, func.count()).group_by(ExternalSignal.kind)
    ).all()
    assert sorted(kinds) == [("co_creation", 1), ("event", 1), ("survey", 1)]
    _identify()

    row = _score(taster)
    assert (row.events, row.surveys, row.co_creation) == (1, 1, 1)
    weights = app.config["AMBASSADOR_WEIGHTS"]
    raw = weights["events"] + weights["surveys"] + weights["co_creation"]
    assert row.external_raw == pytest.approx(raw)
    assert row.external_score == pytest.approx(raw)  # under the cap: forum score is larger
    for language, labels in LINES.items():
        headers = {"Accept-Language": language}
        mine = login(taster).get("/me/ambassador", headers=headers).get_data(as_text=True)
        managers = login(moderator).get("/manage/ambassadors/u/taster", headers=headers)
        assert managers.status_code == 200
        for page in (mine, managers.get_data(as_text=True)):
            for label, weight in zip(labels, ("events", "surveys", "co_creation"), strict=True):
                assert label in page, (language, label)
                times = "\N{MULTIPLICATION SIGN}"
                line = f'<td>{label}</td><td class="num">1</td><td class="num">{times}'
                assert f"{line}{weights[weight]:g}</td>" in page.replace(",", "."), label
    badges = db.session.scalars(select(BadgeAward.badge).where(BadgeAward.user_id == taster.id))
    assert sorted(badges).count("event-guest") == 2  # the event and the workshop


def test_the_cap_on_signals_from_outside_the_forum_still_applies(
    app, community, staff, make_campaign
):
    newcomer = community.member("newcomer", answers=3)  # a small forum score
    _take_part(newcomer, staff, make_campaign)
    _identify()

    row = _score(newcomer)
    weights = app.config["AMBASSADOR_WEIGHTS"]
    raw = weights["events"] + weights["surveys"] + weights["co_creation"]
    assert row.external_raw == pytest.approx(raw)
    assert row.forum_score < raw
    ratio = app.config["AMBASSADOR_EXTERNAL_MAX_RATIO"]
    assert row.external_score == pytest.approx(row.forum_score * ratio)
    assert row.score == pytest.approx(row.forum_score * (1 + ratio))


def test_a_survey_answered_twice_is_one_response_and_one_signal(community, staff, make_campaign):
    member = community.member("member_a", answers=3)
    survey = _sent(make_campaign, "survey", staff)
    question = db.session.scalar(select(surveys.SurveyQuestion.id))
    surveys.submit(member, _invitation(survey, member).id, {question: 7})
    commit()
    with pytest.raises(ReplyError):
        surveys.submit(member, _invitation(survey, member).id, {question: 8})
    commit()
    signals = db.session.execute(select(ExternalSignal.user_id, ExternalSignal.kind)).all()
    assert signals == [(member.id, "survey")]


def test_with_an_implicit_status_the_member_page_stays_neutral(
    app, community, staff, login, make_campaign
):
    app.config["AMBASSADOR_STATUS_PUBLIC"] = False
    community.member("star", answers=8, accepted=4, votes=3)  # the one ambassador
    member = community.member("quiet", answers=3)
    _take_part(member, staff, make_campaign)
    _identify()
    for language, labels in LINES.items():
        page = login(member).get("/me/ambassador", headers={"Accept-Language": language})
        html = page.get_data(as_text=True)
        assert all(label in html for label in labels)
        section = html[html.index("<h1>") : html.index("</section>")]
        assert "helper privileges" in section or "privilèges" in section
        assert "invit" not in section.lower(), language
