"""Survey questions, one response per invitation, and results per question."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
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

RANGES = {"scale": (1, 5), "nps": (0, 10)}
MAX_TEXT = 5000


def add_question(actor: User, campaign_id: int, kind: str, prompt_en: str, prompt_fr: str = "",
                 choices: list[dict[str, str]] | None = None,
                 required: bool = True) -> SurveyQuestion:  # fmt: skip
    """Add a question at the end of a draft survey; the caller commits."""
    if not actor.can("campaign.send"):
        raise CampaignError(_l("You are not allowed to manage campaigns."), 403)
    campaign = get(campaign_id)
    if campaign.kind != "survey" or campaign.state != DRAFT:
        raise CampaignError(_l("Questions are added to draft surveys."), 409)
    if kind not in QUESTION_KINDS:
        raise CampaignError(_l("Unknown kind of question."), field="kind")
    if not (prompt_en.strip() or prompt_fr.strip()):
        raise CampaignError(_l("Write the question."), field="prompt_en")
    choices = [dict(c) for c in (choices or [])]
    if kind in ("single", "multiple") and len(choices) < 2:
        raise CampaignError(_l("A choice question needs two choices or more."), field="choices")
    last = db.session.scalar(
        select(func.max(SurveyQuestion.position)).where(SurveyQuestion.campaign_id == campaign_id)
    )
    question = SurveyQuestion(campaign_id=campaign_id, position=(last or 0) + 1, kind=kind,
                              prompt_en=prompt_en.strip(), prompt_fr=prompt_fr.strip(),
                              choices=choices if kind in ("single", "multiple") else [],
                              required=required)  # fmt: skip
    db.session.add(question)
    db.session.flush()
    queue_audit(actor.id, "survey.question", "campaign", campaign_id, after={"kind": kind})
    return question


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
