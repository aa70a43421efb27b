"""A survey's results per question, for the results page and its CSV.

The counts come from ``surveys.results()`` (one GROUP BY over the answers); this module
shapes them: each choice's count and share, the 1-5 scale's distribution and average,
the 0-10 recommendation score's promoters, passives, detractors and Net Promoter Score,
and a page of free texts (one statement for every text question at once).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import and_, func, select

from app.accounts.models import User
from app.extensions import db
from app.invitations.models import (
    Invitation,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from app.invitations.surveys import RANGES, results

TEXTS_PER_PAGE = 20
STREAM_BATCH = 2000


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its count and its share of those who answered."""

    label: str
    count: int
    percent: float


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int
    bars: list[Bar] = field(default_factory=list)
    average: float | None = None
    nps: dict[str, Any] | None = None
    texts: list[str] = field(default_factory=list)
    more_texts: bool = False


def _percent(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def responses_count(campaign_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(SurveyResponse.id))
            .join(Invitation, Invitation.id == SurveyResponse.invitation_id)
            .where(Invitation.campaign_id == campaign_id)
        )
        or 0
    )


def questions(campaign_id: int) -> list[SurveyQuestion]:
    return list(
        db.session.scalars(
            select(SurveyQuestion)
            .where(SurveyQuestion.campaign_id == campaign_id)
            .order_by(SurveyQuestion.position)
        )
    )


def nps(values: dict[int, int]) -> dict[str, Any]:
    """Promoters (9-10), passives (7-8), detractors (0-6) and the score, -100 to 100."""
    promoters = sum(n for v, n in values.items() if v >= 9)
    passives = sum(n for v, n in values.items() if 7 <= v <= 8)
    detractors = sum(n for v, n in values.items() if v <= 6)
    total = promoters + passives + detractors
    score = round(100 * (promoters - detractors) / total) if total else None
    return {
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "total": total,
        "score": score,
        "bars": [
            Bar("promoters", promoters, _percent(promoters, total)),
            Bar("passives", passives, _percent(passives, total)),
            Bar("detractors", detractors, _percent(detractors, total)),
        ],
    }


def report(campaign_id: int, language: str | None, texts_page: int = 1) -> list[QuestionResult]:
    """Every question of the survey with its figures, and one page of its free texts."""
    found = questions(campaign_id)
    counts = results(campaign_id)
    texts = _texts(campaign_id, texts_page)
    shaped = []
    for question in found:
        got = counts.get(question.id, {})
        values: dict[int, int] = got.get("values", {})
        answered = int(got.get("answered", 0))
        result = QuestionResult(question=question, answered=answered)
        if question.kind in ("single", "multiple"):
            for index, choice in enumerate(question.choices):
                label = _choice_label(choice, language)
                count = values.get(index, 0)
                result.bars.append(Bar(label, count, _percent(count, answered)))
        elif question.kind in RANGES:
            low, high = RANGES[question.kind]
            total = sum(values.values())
            result.bars = [Bar(str(v), values.get(v, 0), _percent(values.get(v, 0), total))
                           for v in range(low, high + 1)]  # fmt: skip
            if total:
                result.average = round(sum(v * n for v, n in values.items()) / total, 2)
            if question.kind == "nps":
                result.nps = nps(values)
        else:
            listed = texts.get(question.id, [])
            result.texts = listed[:TEXTS_PER_PAGE]
            result.more_texts = len(listed) > TEXTS_PER_PAGE
        shaped.append(result)
    return shaped


def _choice_label(choice: dict[str, str], language: str | None) -> str:
    if language == "fr":
        return choice.get("fr") or choice.get("en") or ""
    return choice.get("en") or choice.get("fr") or ""


def _texts(campaign_id: int, page: int) -> dict[int, list[str]]:
    """A page of each text question's answers (one more, to know whether more follow)."""
    number = (
        func.row_number()
        .over(partition_by=SurveyAnswer.question_id, order_by=SurveyAnswer.id)
        .label("number")
    )
    ranked = (
        select(SurveyAnswer.question_id, SurveyAnswer.text, number)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(
            SurveyQuestion.campaign_id == campaign_id,
            SurveyQuestion.kind == "text",
            SurveyAnswer.text.is_not(None),
            SurveyAnswer.text != "",
        )
        .subquery()
    )
    first = (page - 1) * TEXTS_PER_PAGE
    rows = db.session.execute(
        select(ranked.c.question_id, ranked.c.text)
        .where(ranked.c.number > first, ranked.c.number <= first + TEXTS_PER_PAGE + 1)
        .order_by(ranked.c.question_id, ranked.c.number)
    ).all()
    texts: dict[int, list[str]] = {}
    for question_id, text in rows:
        texts.setdefault(question_id, []).append(text)
    return texts


CSV_COLUMNS = ("response", "username", "submitted_at", "question", "kind", "prompt", "answer")


def csv_rows(campaign_id: int, language: str | None) -> Iterator[list[Any]]:
    """One row per response and question (unanswered optional questions left empty);
    the choices ticked of a multiple-choice question share one cell, joined by "; "."""
    found = questions(campaign_id)
    by_id = {question.id: question for question in found}
    query = (
        select(
            SurveyResponse.id,
            User.username,
            SurveyResponse.submitted_at,
            SurveyQuestion.id,
            SurveyAnswer.choice,
            SurveyAnswer.number,
            SurveyAnswer.text,
        )
        .select_from(SurveyResponse)
        .join(Invitation, Invitation.id == SurveyResponse.invitation_id)
        .join(User, User.id == Invitation.user_id)
        .join(SurveyQuestion, SurveyQuestion.campaign_id == Invitation.campaign_id)
        .outerjoin(
            SurveyAnswer,
            and_(
                SurveyAnswer.response_id == SurveyResponse.id,
                SurveyAnswer.question_id == SurveyQuestion.id,
            ),
        )
        .where(Invitation.campaign_id == campaign_id)
        .order_by(SurveyResponse.id, SurveyQuestion.position, SurveyAnswer.choice, SurveyAnswer.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    rows = db.session.execute(query)
    for (response_id, question_id), group in groupby(rows, key=lambda row: (row[0], row[3])):
        answers = list(group)
        username, submitted_at = answers[0][1], answers[0][2]
        question = by_id[question_id]
        yield [response_id, username, _iso(submitted_at), question.position, question.kind,
               question.prompt(language), _answer(question, answers, language)]  # fmt: skip


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _answer(question: SurveyQuestion, answers: list[Any], language: str | None) -> Any:
    if question.kind in ("single", "multiple"):
        labels = [
            _choice_label(question.choices[row[4]], language)
            for row in answers
            if row[4] is not None and 0 <= row[4] < len(question.choices)
        ]
        return "; ".join(labels)
    if question.kind in RANGES:
        return next((row[5] for row in answers if row[5] is not None), "")
    return next((row[6] for row in answers if row[6] is not None), "")
