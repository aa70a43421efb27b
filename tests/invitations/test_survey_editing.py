"""Editing a draft survey's questions: add, remove, move, under the survey's row lock."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.events import commit
from app.extensions import db
from app.invitations import sending, surveys
from app.invitations.errors import CampaignError
from app.invitations.models import SurveyQuestion
from app.moderation.models import AuditEntry
from tests.support import at_once

CHOICES = [{"en": "Yes", "fr": "Oui"}, {"en": "No", "fr": "Non"}]


def _prompts(campaign_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(SurveyQuestion.prompt_en)
            .where(SurveyQuestion.campaign_id == campaign_id)
            .order_by(SurveyQuestion.position)
        )
    )


@pytest.fixture
def survey(staff, make_campaign):
    campaign = make_campaign("survey")
    for prompt in ("First", "Second", "Third"):
        surveys.add_question(staff, campaign.id, "single", prompt, choices=CHOICES)
    commit()
    return campaign


def _id(campaign_id: int, prompt: str) -> int:
    return db.session.scalars(
        select(SurveyQuestion.id).where(
            SurveyQuestion.campaign_id == campaign_id, SurveyQuestion.prompt_en == prompt
        )
    ).one()


def test_moving_swaps_with_the_neighbour_and_stops_at_the_ends(staff, survey):
    assert surveys.move_question(staff, survey.id, _id(survey.id, "Third"), "up") is True
    commit()
    assert _prompts(survey.id) == ["First", "Third", "Second"]
    assert surveys.move_question(staff, survey.id, _id(survey.id, "First"), "up") is False
    assert surveys.move_question(staff, survey.id, _id(survey.id, "First"), "down") is True
    commit()
    assert _prompts(survey.id) == ["Third", "First", "Second"]
    with pytest.raises(CampaignError):
        surveys.move_question(staff, survey.id, _id(survey.id, "First"), "sideways")


def test_removing_keeps_the_order_and_a_new_question_goes_last(staff, survey):
    surveys.remove_question(staff, survey.id, _id(survey.id, "Second"))
    commit()
    surveys.add_question(staff, survey.id, "text", "Fourth")
    commit()
    assert _prompts(survey.id) == ["First", "Third", "Fourth"]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"survey.question", "survey.question_remove"} <= actions


def test_questions_change_on_draft_surveys_only(staff, survey, make_user, make_campaign):
    other = make_campaign("survey")
    with pytest.raises(CampaignError) as foreign:
        surveys.remove_question(staff, other.id, _id(survey.id, "First"))
    assert foreign.value.status == 404
    make_user()
    sending.send(survey.id)
    commit()
    for change in (
        lambda: surveys.remove_question(staff, survey.id, _id(survey.id, "First")),
        lambda: surveys.move_question(staff, survey.id, _id(survey.id, "Second"), "up"),
        lambda: surveys.add_question(staff, survey.id, "text", "Late"),
    ):
        with pytest.raises(CampaignError) as refused:
            change()
        assert refused.value.status == 409
        db.session.rollback()
    assert _prompts(survey.id) == ["First", "Second", "Third"]


def test_a_member_cannot_edit_questions(member, survey):
    with pytest.raises(CampaignError) as refused:
        surveys.remove_question(member, survey.id, _id(survey.id, "First"))
    assert refused.value.status == 403


def test_staff_adding_and_moving_at_once_keep_positions_unique(app, staff, survey):
    first = _id(survey.id, "First")

    def act(i: int) -> str:
        with app.app_context():
            user = db.session.get(type(staff), staff.id)
            if i % 2:
                surveys.move_question(user, survey.id, first, "down" if i % 4 == 1 else "up")
            else:
                surveys.add_question(user, survey.id, "text", f"Added {i}")
            commit()
            db.session.remove()
            return "ok"

    results = at_once(10, act)
    assert results == ["ok"] * 10
    positions = list(db.session.scalars(select(SurveyQuestion.position)))
    assert len(positions) == len(set(positions)) == 8
