"""Survey questions, one response per invitation, and results per question."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.sql import savepoint
from app.extensions import db
from app.invitations import score
from app.invitations.campaigns import get
from app.invitations.errors import CampaignError, ReplyError
from app.invitations.models import (
    DRAFT,
    OPEN,
    QUESTION_KINDS,
    REMOVED,
    Invitation,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from app.invitations.sending import lock

RANGES = {"scale": (1, 5), "nps": (0, 10)}
MAX_TEXT = 5000


def add_question(actor: User, campaign_id: int, kind: str, prompt_en: str, prompt_fr: str = "",
                 choices: list[dict[str, str]] | None = None,
                 required: bool = True) -> SurveyQuestion:  # fmt: skip
    """Add a question at the end of a draft survey; the caller commits."""
    if not actor.can("campaign.send"):
        raise CampaignError(_l("You are not allowed to manage campaigns."), 403)
    if kind not in QUESTION_KINDS:
        raise CampaignError(_l("Unknown kind of question."), field="kind")
    if not (prompt_en.strip() or prompt_fr.strip()):
        raise CampaignError(_l("Write the question."), field="prompt_en")
    choices = [dict(c) for c in (choices or [])]
    if kind in ("single", "multiple") and len(choices) < 2:
        raise CampaignError(_l("A choice question needs two choices or more."), field="choices")
    with savepoint():
        # Under the survey's row lock: two staff adding at once get the next positions.
        campaign = lock(campaign_id)
        if campaign.kind != "survey" or campaign.state != DRAFT:
            raise CampaignError(_l("Questions are added to draft surveys."), 409)
        last = db.session.scalar(
            select(func.max(SurveyQuestion.position))
            .where(SurveyQuestion.campaign_id == campaign_id)
        )  # fmt: skip
        question = SurveyQuestion(campaign_id=campaign_id, position=max(last or 0, 0) + 1,
                                  kind=kind, prompt_en=prompt_en.strip(),
                                  prompt_fr=prompt_fr.strip(),
                                  choices=choices if kind in ("single", "multiple") else [],
                                  required=required)  # fmt: skip
        db.session.add(question)
        db.session.flush()
    queue_audit(actor.id, "survey.question", "campaign", campaign_id, after={"kind": kind})
    return question


def _draft_survey_question(actor: User, campaign_id: int, question_id: int) -> SurveyQuestion:
    """The question, its survey locked and checked to be a draft."""
    if not actor.can("campaign.send"):
        raise CampaignError(_l("You are not allowed to manage campaigns."), 403)
    campaign = lock(campaign_id)
    if campaign.kind != "survey" or campaign.state != DRAFT:
        raise CampaignError(_l("Questions are changed on draft surveys only."), 409)
    question = db.session.get(SurveyQuestion, question_id, populate_existing=True)
    if question is None or question.campaign_id != campaign_id:
        raise CampaignError(_l("This question does not exist (any more)."), 404)
    return question


def remove_question(actor: User, campaign_id: int, question_id: int) -> None:
    """Take a question out of a draft survey (positions may keep a gap); the caller commits."""
    with savepoint():
        question = _draft_survey_question(actor, campaign_id, question_id)
        kind = question.kind
        db.session.execute(delete(SurveyQuestion).where(SurveyQuestion.id == question.id))
        db.session.expunge(question)
    queue_audit(actor.id, "survey.question_remove", "campaign", campaign_id,
                before={"question": question_id, "kind": kind})  # fmt: skip


def move_question(actor: User, campaign_id: int, question_id: int, direction: str) -> bool:
    """Swap a question with the one before ("up") or after ("down"); False at an end."""
    if direction not in ("up", "down"):
        raise CampaignError(_l("Move a question up or down."))
    with savepoint():
        question = _draft_survey_question(actor, campaign_id, question_id)
        here = question.position
        up = direction == "up"
        neighbour = db.session.scalar(
            select(SurveyQuestion)
            .where(SurveyQuestion.campaign_id == campaign_id,
                   SurveyQuestion.position < here if up else SurveyQuestion.position > here)
            .order_by(SurveyQuestion.position.desc() if up else SurveyQuestion.position)
            .limit(1)
        )  # fmt: skip
        if neighbour is None:
            return False
        there = neighbour.position
        # Through a free position: UNIQUE (campaign_id, position) holds at every statement.
        for qid, position in ((question.id, -here), (neighbour.id, here), (question.id, there)):
            db.session.execute(
                update(SurveyQuestion).where(SurveyQuestion.id == qid).values(position=position)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
        db.session.expire(question)
        db.session.expire(neighbour)
    queue_audit(actor.id, "survey.question_move", "campaign", campaign_id,
                after={"question": question_id, "direction": direction})  # fmt: skip
    return True


def _answer_rows(question: SurveyQuestion, value: Any) -> list[dict[str, Any]]:
    """The answer rows for one question; CampaignError when the value does not fit."""
    bad = CampaignError(_l("Check your answer to: %(q)s", q=question.prompt_en
                           or question.prompt_fr), field=f"q{question.id}")  # fmt: skip
    if value in (None, "", []):
        if question.required:
            raise bad
        return []
    if question.kind == "text":
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise bad
        return [{"text": value.strip()}]
    values = value if isinstance(value, list) else [value]
    try:
        numbers = sorted({int(v) for v in values})
    except (TypeError, ValueError):
        raise bad from None
    if question.kind in RANGES:
        low, high = RANGES[question.kind]
        if len(numbers) != 1 or not low <= numbers[0] <= high:
            raise bad
        return [{"number": numbers[0]}]
    if not all(0 <= n < len(question.choices) for n in numbers) or (
        question.kind == "single" and len(numbers) != 1
    ):
        raise bad
    return [{"choice": n} for n in numbers]


def submit(member: User, invitation_id: int, answers: dict[int, Any]) -> SurveyResponse:
    """A member's one response to a survey; a second one is refused. The caller commits."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.user_id != member.id:
        raise CampaignError(_l("This invitation does not exist."), 404)
    campaign = get(invitation.campaign_id)
    if campaign.kind != "survey" or campaign.state != OPEN or invitation.state == REMOVED:
        raise ReplyError(_l("This survey no longer takes answers."))
    if campaign.reply_deadline is not None and now_utc() >= campaign.reply_deadline:
        raise ReplyError(_l("This survey no longer takes answers."))
    questions = db.session.scalars(
        select(SurveyQuestion).where(SurveyQuestion.campaign_id == campaign.id)
        .order_by(SurveyQuestion.position)
    ).all()  # fmt: skip
    rows = [(q.id, row) for q in questions for row in _answer_rows(q, answers.get(q.id))]
    try:
        with savepoint():
            response = SurveyResponse(invitation_id=invitation.id, submitted_at=now_utc())
            db.session.add(response)
            db.session.flush()
            db.session.add_all(SurveyAnswer(response_id=response.id, question_id=qid, **row)
                               for qid, row in rows)  # fmt: skip
            db.session.flush()
    except IntegrityError:
        raise ReplyError(_l("You have already answered this survey.")) from None
    # A completed survey counts for the ambassador score (one signal per response).
    score.record(score.SURVEY, campaign, member.id, response.submitted_at)
    return response


def results(campaign_id: int) -> dict[int, dict[str, Any]]:
    """Per question: the count of each choice or number, and how many answered."""
    counts: dict[int, dict[str, Any]] = {}
    rows = db.session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.choice, SurveyAnswer.number, func.count())
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(SurveyQuestion.campaign_id == campaign_id, SurveyAnswer.text.is_(None))
        .group_by(SurveyAnswer.question_id, SurveyAnswer.choice, SurveyAnswer.number)
    ).all()
    for question_id, choice, number, n in rows:
        counts.setdefault(question_id, {"values": {}})["values"][
            choice if choice is not None else number
        ] = n
    answered = db.session.execute(
        select(SurveyAnswer.question_id, func.count(func.distinct(SurveyAnswer.response_id)))
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(SurveyQuestion.campaign_id == campaign_id)
        .group_by(SurveyAnswer.question_id)
    ).all()
    for question_id, n in answered:
        counts.setdefault(question_id, {"values": {}})["answered"] = n
    return counts
