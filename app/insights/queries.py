"""What the dashboard reads: the summary tables only, one statement per section."""

from __future__ import annotations

from sqlalchemy import select

from app.core.job_runs import JobRun
from app.extensions import db
from app.insights.jobs import JOB_NAME
from app.insights.models import HealthCurve, HealthFigures, HealthRun, HealthScoreBin


def last_refresh() -> JobRun | None:
    """The latest successful run of the job, or None if it never ran."""
    return db.session.scalar(
        select(JobRun)
        .where(JobRun.job_name == JOB_NAME, JobRun.outcome == "success")
        .order_by(JobRun.id.desc())
        .limit(1)
    )


def figures(kind: str, category_id: int) -> list[HealthFigures]:
    """Every kept period of ``kind`` for the scope, oldest first."""
    return list(
        db.session.scalars(
            select(HealthFigures)
            .where(HealthFigures.kind == kind, HealthFigures.category_id == category_id)
            .order_by(HealthFigures.period_start)
        )
    )


def curve(kind: str, category_id: int) -> list[HealthCurve]:
    return list(
        db.session.scalars(
            select(HealthCurve)
            .where(HealthCurve.kind == kind, HealthCurve.category_id == category_id)
            .order_by(HealthCurve.period_start, HealthCurve.percent)
        )
    )


def runs() -> list[HealthRun]:
    """The kept ambassador runs' segment sizes, oldest first."""
    return list(db.session.scalars(select(HealthRun).order_by(HealthRun.as_of, HealthRun.run_id)))


def score_bins() -> list[HealthScoreBin]:
    return list(db.session.scalars(select(HealthScoreBin).order_by(HealthScoreBin.bin)))
