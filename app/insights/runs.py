"""Segment sizes run after run, and the score distribution of the latest ambassador run.

Each ambassador run records how many members each segment had (its figures); the job
copies the latest KEEP_RUNS of them into ``health_runs`` (a run's figures never change,
so the copy is idempotent) and counts the eligible members of the latest run's scores
into SCORE_BINS equal bins from 0 to its highest score, in one INSERT ... SELECT.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select, text

from app.ambassadors.models import AmbassadorRun
from app.core.sql import dialect
from app.extensions import db
from app.insights.models import HealthRun, HealthScoreBin

KEEP_RUNS = 60
SCORE_BINS = 20


def refresh() -> dict[str, int]:
    """Rewrite health_runs and health_score_bins; returns what it wrote."""
    runs = list(
        db.session.scalars(
            select(AmbassadorRun)
            .order_by(AmbassadorRun.as_of.desc(), AmbassadorRun.id.desc())
            .limit(KEEP_RUNS)
        )
    )
    db.session.execute(delete(HealthRun))
    db.session.execute(delete(HealthScoreBin))
    for run in runs:  # at most KEEP_RUNS rows, one per night: not members
        figures = run.figures or {}
        db.session.add(
            HealthRun(
                run_id=run.id,
                as_of=run.as_of,
                eligible=run.eligible_count,
                ambassadors=int(figures.get("segment_ambassador", 0)),
                rising=int(figures.get("segment_rising", 0)),
                opportunists=int(figures.get("segment_opportunist", 0)),
            )
        )
    db.session.flush()
    bins = _score_bins(runs[0].id) if runs else 0
    return {"runs": len(runs), "score_bins": bins}


def _score_bins(run_id: int) -> int:
    # The bin of a score: floor(score / width), the highest score in the last bin.
    if dialect() == "postgresql":
        floor = "CAST(FLOOR(e.score * {bins} / m.top) AS INTEGER)"
    else:
        floor = "CAST(e.score * {bins} / m.top AS INTEGER)"  # truncates: scores are >= 0
    floor = floor.format(bins=SCORE_BINS)
    statement = text(
        f"""
        WITH m AS (SELECT MAX(score) AS top FROM engagement_scores
                   WHERE run_id = :run AND eligible = :yes AND score > 0),
        binned AS (
          SELECT CASE WHEN {floor} >= {SCORE_BINS} THEN {SCORE_BINS - 1}
                      ELSE {floor} END AS bin, m.top
          FROM engagement_scores AS e CROSS JOIN m
          WHERE e.run_id = :run AND e.eligible = :yes AND m.top > 0 AND e.score >= 0)
        INSERT INTO health_score_bins (run_id, bin, low, high, members)
        SELECT :run, bin, bin * top / {SCORE_BINS}, (bin + 1) * top / {SCORE_BINS}, COUNT(*)
        FROM binned GROUP BY bin, top"""
    ).bindparams(bindparam("yes", value=True))
    db.session.execute(statement, {"run": run_id})
    return len(db.session.scalars(select(HealthScoreBin.bin)).all())
