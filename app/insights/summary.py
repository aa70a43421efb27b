"""The nightly refresh of the community-health summary tables, in set-based SQL.

Each run rewrites the whole kept history (app/insights/periods.py: 26 weeks, 24 months,
8 quarters), not only the open periods: a question asked three months ago and answered
tonight, or a newcomer's second post, changes a closed period's figures. Every figure is
one INSERT ... SELECT or UPDATE ... FROM over the forum's tables, bucketed through
``health_slots``; nothing loads members into Python. Deleting and rewriting inside the
job's one transaction makes a second run give the same rows, and readers see the old
figures or the new ones, never half.

What the figures mean (the dashboard and the README say the same):

- posts: posts written in the period, neither deleted nor hidden, in topics not deleted
  (opening posts included); active members: their distinct authors. The concentration
  curve ranks the period's authors by posts (ties by member id) and gives the share of
  posts the top 1 %, 2 %, 5 %... of them wrote (the top k = ceil(k % of authors), at
  least one).
- questions: topics of kind "question" asked in the period, not deleted. The first
  answer is the first post after the question by someone other than its author, neither
  deleted nor hidden; solved: an accepted answer. Times run from the question to the
  first answer, and to the accepted answer's writing. Median and 90th percentile are
  nearest-rank (the value at rank ceil(p * n) of the n sorted times), alike on both
  databases.
- who answers: the first answerer as members stand at the run: staff (brand staff,
  community managers, administrators), helpers (ambassador status or an active helper
  grant), or members.
- new members: accounts of members (not staff) created in the period; for a category,
  those whose first post is in it. Posted: they wrote a post; returned: their second
  post came within 30 days of their first.
- moderation: flags raised in the period on posts of the scope; reviewed ones and the
  time to their review; posts hidden in the period that are still hidden; sanctions
  given in the period (whole community only).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, insert, text

from app.core.sql import dialect
from app.core.types import UTCDateTime
from app.extensions import db
from app.insights import periods
from app.insights.models import (
    PERIOD_KINDS,
    HealthCurve,
    HealthFigures,
    HealthSlot,
)

CURVE_PERCENTS = (1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
RETURN_SECONDS = 30 * 86400
_SLOT_BATCH = 5000


def _slot(column: str) -> str:
    if dialect() == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 900) AS BIGINT)"
    return f"(CAST(strftime('%s', {column}) AS INTEGER) / 900)"


def _seconds(earlier: str, later: str) -> str:
    if dialect() == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def _percentiles(source: str, value: str) -> str:
    """Median and 90th percentile (nearest rank) of ``value`` per (period, scope)."""
    return f"""
      SELECT period, scope,
             MAX(CASE WHEN rn = (n + 1) / 2 THEN v END) AS median,
             MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN v END) AS p90
      FROM (SELECT period, scope, v,
                   ROW_NUMBER() OVER (PARTITION BY period, scope ORDER BY v) AS rn,
                   COUNT(*) OVER (PARTITION BY period, scope) AS n
            FROM (SELECT period, scope, {value} AS v FROM {source}) AS raw
            WHERE v IS NOT NULL) AS ranked
      GROUP BY period, scope"""


def _run(sql: str, **params: Any) -> None:
    statement = text(sql)
    for name in ("since", "now"):
        if name in params:
            statement = statement.bindparams(bindparam(name, type_=UTCDateTime()))
    db.session.execute(statement, params)


def refresh(as_of: datetime, zone: ZoneInfo) -> dict[str, int]:
    """Rewrite the per-period figures and curves up to ``as_of``; returns row counts."""
    db.session.execute(delete(HealthCurve))
    db.session.execute(delete(HealthFigures))
    db.session.execute(delete(HealthSlot))
    batch: list[dict[str, object]] = []
    for row in periods.slots(as_of, zone):
        batch.append(row)
        if len(batch) == _SLOT_BATCH:
            db.session.execute(insert(HealthSlot), batch)
            batch = []
    if batch:
        db.session.execute(insert(HealthSlot), batch)
    since = periods.history_start(as_of.astimezone(zone).date(), zone)
    for kind in PERIOD_KINDS:
        _fill_kind(kind, since, as_of)
    figures = db.session.scalar(text("SELECT COUNT(*) FROM health_figures")) or 0
    curve = db.session.scalar(text("SELECT COUNT(*) FROM health_curve")) or 0
    return {"figure_rows": figures, "curve_rows": curve}


def _fill_kind(kind: str, since: datetime, now: datetime) -> None:
    assert kind in PERIOD_KINDS  # a column name below
    _grid(kind, now)
    _curve(kind, since)
    _questions(kind, since, now)
    _members(kind, since)
    _moderation(kind, since)


def _grid(kind: str, now: datetime) -> None:
    """A row of zeros for every kept period and scope, so a quiet week reads 0."""
    _run(
        f"""
        INSERT INTO health_figures (kind, period_start, category_id, posts, active_members,
            questions, answered, solved, answered_by_members, answered_by_helpers,
            answered_by_staff, new_members, new_who_posted, new_who_returned, flags,
            flags_reviewed, hidden_posts, sanctions, computed_at)
        SELECT :kind, p.period, c.id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
               CASE WHEN c.id = 0 THEN 0 END, :now
        FROM (SELECT DISTINCT {kind} AS period FROM health_slots
              WHERE {kind} IS NOT NULL) AS p
        CROSS JOIN (SELECT 0 AS id UNION ALL SELECT id FROM categories) AS c""",
        kind=kind,
        now=now,
    )


def _visible_posts(kind: str) -> str:
    return f"""
      SELECT s.{kind} AS period, t.category_id, p.author_id
      FROM posts AS p
      JOIN topics AS t ON t.id = p.topic_id
      JOIN health_slots AS s ON s.slot = {_slot("p.created_at")}
      WHERE p.created_at >= :since AND s.{kind} IS NOT NULL
        AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND t.deleted_at IS NULL"""


def _curve(kind: str, since: datetime) -> None:
    points = " UNION ALL ".join(f"SELECT {percent} AS percent" for percent in CURVE_PERCENTS)
    _run(
        f"""
        WITH visible AS ({_visible_posts(kind)}),
        per_author AS (
          SELECT period, 0 AS scope, author_id, COUNT(*) AS n FROM visible
          GROUP BY period, author_id
          UNION ALL
          SELECT period, category_id AS scope, author_id, COUNT(*) AS n FROM visible
          GROUP BY period, category_id, author_id),
        ranked AS (
          SELECT period, scope, n,
                 ROW_NUMBER() OVER (PARTITION BY period, scope
                                    ORDER BY n DESC, author_id) AS rn,
                 COUNT(*) OVER (PARTITION BY period, scope) AS total,
                 SUM(n) OVER (PARTITION BY period, scope ORDER BY n DESC, author_id
                              ROWS UNBOUNDED PRECEDING) AS running
          FROM per_author)
        INSERT INTO health_curve (kind, period_start, category_id, percent, authors, posts)
        SELECT :kind, r.period, r.scope, pt.percent, r.rn, r.running
        FROM ranked AS r
        JOIN ({points}) AS pt ON r.rn = (pt.percent * r.total + 99) / 100""",
        kind=kind,
        since=since,
    )
    _run(
        """
        UPDATE health_figures SET posts = c.posts, active_members = c.authors
        FROM health_curve AS c
        WHERE c.kind = :kind AND c.percent = 100 AND health_figures.kind = :kind
          AND c.period_start = health_figures.period_start
          AND c.category_id = health_figures.category_id""",
        kind=kind,
    )


def _questions(kind: str, since: datetime, now: datetime) -> None:
    helper = """(EXISTS (SELECT 1 FROM ambassador_statuses AS a
                         WHERE a.user_id = u.id AND a.status = 'ambassador')
                 OR EXISTS (SELECT 1 FROM capability_grants AS g
                            WHERE g.user_id = u.id AND g.source = 'ambassador'
                              AND (g.expires_at IS NULL OR g.expires_at > :now)))"""
    answers = f"""
      questions AS (
        SELECT t.id, t.category_id, t.author_id, t.created_at, t.accepted_post_id,
               s.{kind} AS period
        FROM topics AS t
        JOIN health_slots AS s ON s.slot = {_slot("t.created_at")}
        WHERE t.created_at >= :since AND s.{kind} IS NOT NULL
          AND t.kind = 'question' AND t.deleted_at IS NULL),
      replies AS (
        SELECT p.topic_id, p.author_id, p.created_at,
               ROW_NUMBER() OVER (PARTITION BY p.topic_id
                                  ORDER BY p.created_at, p.position) AS rn
        FROM posts AS p JOIN questions AS q ON q.id = p.topic_id
        WHERE p.position > 0 AND p.author_id <> q.author_id
          AND p.deleted_at IS NULL AND p.hidden_at IS NULL),
      each_question AS (
        SELECT q.period, q.category_id,
               CASE WHEN f.topic_id IS NULL THEN 0 ELSE 1 END AS answered,
               CASE WHEN acc.id IS NULL THEN 0 ELSE 1 END AS solved,
               {_seconds("q.created_at", "f.created_at")} AS first_wait,
               CASE WHEN acc.id IS NOT NULL
                    THEN {_seconds("q.created_at", "acc.created_at")} END AS solution_wait,
               CASE WHEN u.id IS NULL THEN NULL
                    WHEN u.role <> 'member' THEN 'staff'
                    WHEN {helper} THEN 'helper' ELSE 'member' END AS answerer
        FROM questions AS q
        LEFT JOIN replies AS f ON f.topic_id = q.id AND f.rn = 1
        LEFT JOIN users AS u ON u.id = f.author_id
        LEFT JOIN posts AS acc ON acc.id = q.accepted_post_id AND acc.deleted_at IS NULL),
      scoped AS (
        SELECT period, 0 AS scope, answered, solved, first_wait, solution_wait, answerer
        FROM each_question
        UNION ALL
        SELECT period, category_id, answered, solved, first_wait, solution_wait, answerer
        FROM each_question)"""
    _run(
        f"""
        WITH {answers},
        counted AS (
          SELECT period, scope, COUNT(*) AS questions, SUM(answered) AS answered,
                 SUM(solved) AS solved,
                 SUM(CASE WHEN answerer = 'member' THEN 1 ELSE 0 END) AS by_members,
                 SUM(CASE WHEN answerer = 'helper' THEN 1 ELSE 0 END) AS by_helpers,
                 SUM(CASE WHEN answerer = 'staff' THEN 1 ELSE 0 END) AS by_staff
          FROM scoped GROUP BY period, scope),
        first_answer AS ({_percentiles("scoped", "first_wait")}),
        solution AS ({_percentiles("scoped", "solution_wait")}),
        joined AS (
          SELECT c.*, fa.median AS fa_median, fa.p90 AS fa_p90,
                 so.median AS so_median, so.p90 AS so_p90
          FROM counted AS c
          LEFT JOIN first_answer AS fa ON fa.period = c.period AND fa.scope = c.scope
          LEFT JOIN solution AS so ON so.period = c.period AND so.scope = c.scope)
        UPDATE health_figures SET questions = j.questions, answered = j.answered,
            solved = j.solved, answered_by_members = j.by_members,
            answered_by_helpers = j.by_helpers, answered_by_staff = j.by_staff,
            first_answer_median = j.fa_median, first_answer_p90 = j.fa_p90,
            solution_median = j.so_median, solution_p90 = j.so_p90
        FROM joined AS j
        WHERE health_figures.kind = :kind AND health_figures.period_start = j.period
          AND health_figures.category_id = j.scope""",
        kind=kind,
        since=since,
        now=now,
    )


def _members(kind: str, since: datetime) -> None:
    # Each newcomer's first two posts, found through the posts' (author, date) index and
    # folded to one row per newcomer: no join of a ranked set with itself.
    _run(
        f"""
        WITH newcomers AS (
          SELECT u.id, s.{kind} AS period
          FROM users AS u
          JOIN health_slots AS s ON s.slot = {_slot("u.created_at")}
          WHERE u.created_at >= :since AND s.{kind} IS NOT NULL AND u.role = 'member'),
        their_posts AS (
          SELECT p.author_id, m.period, p.created_at, t.category_id,
                 ROW_NUMBER() OVER (PARTITION BY p.author_id
                                    ORDER BY p.created_at, p.id) AS rn
          FROM newcomers AS m
          JOIN posts AS p ON p.author_id = m.id
          JOIN topics AS t ON t.id = p.topic_id
          WHERE p.deleted_at IS NULL AND t.deleted_at IS NULL),
        firsts AS (
          SELECT author_id, MAX(period) AS period,
                 MAX(CASE WHEN rn = 1 THEN category_id END) AS category_id,
                 MAX(CASE WHEN rn = 1 THEN created_at END) AS first_at,
                 MAX(CASE WHEN rn = 2 THEN created_at END) AS second_at
          FROM their_posts WHERE rn <= 2 GROUP BY author_id),
        returns AS (
          SELECT period, category_id,
                 CASE WHEN second_at IS NOT NULL
                       AND {_seconds("first_at", "second_at")} <= {RETURN_SECONDS}
                      THEN 1 ELSE 0 END AS returned
          FROM firsts),
        parts AS (
          SELECT period, 0 AS scope, COUNT(*) AS newcomers, 0 AS posted, 0 AS returned
          FROM newcomers GROUP BY period
          UNION ALL
          SELECT period, 0, 0, COUNT(*), SUM(returned) FROM returns GROUP BY period
          UNION ALL
          SELECT period, category_id, COUNT(*), COUNT(*), SUM(returned) FROM returns
          GROUP BY period, category_id),
        counted AS (
          SELECT period, scope, SUM(newcomers) AS newcomers, SUM(posted) AS posted,
                 SUM(returned) AS returned
          FROM parts GROUP BY period, scope)
        UPDATE health_figures SET new_members = c.newcomers, new_who_posted = c.posted,
            new_who_returned = c.returned
        FROM counted AS c
        WHERE health_figures.kind = :kind AND health_figures.period_start = c.period
          AND health_figures.category_id = c.scope""",
        kind=kind,
        since=since,
    )


def _moderation(kind: str, since: datetime) -> None:
    _run(
        f"""
        WITH raised AS (
          SELECT s.{kind} AS period, t.category_id,
                 CASE WHEN f.status <> 'open' AND f.resolved_at IS NOT NULL
                      THEN 1 ELSE 0 END AS reviewed,
                 CASE WHEN f.status <> 'open' AND f.resolved_at IS NOT NULL
                      THEN {_seconds("f.created_at", "f.resolved_at")} END AS wait
          FROM flags AS f
          JOIN posts AS p ON p.id = f.post_id
          JOIN topics AS t ON t.id = p.topic_id
          JOIN health_slots AS s ON s.slot = {_slot("f.created_at")}
          WHERE f.created_at >= :since AND s.{kind} IS NOT NULL),
        scoped AS (
          SELECT period, 0 AS scope, reviewed, wait FROM raised
          UNION ALL
          SELECT period, category_id, reviewed, wait FROM raised),
        counted AS (
          SELECT period, scope, COUNT(*) AS flags, SUM(reviewed) AS reviewed
          FROM scoped GROUP BY period, scope),
        waits AS ({_percentiles("scoped", "wait")}),
        joined AS (
          SELECT c.*, w.median, w.p90 FROM counted AS c
          LEFT JOIN waits AS w ON w.period = c.period AND w.scope = c.scope)
        UPDATE health_figures SET flags = j.flags, flags_reviewed = j.reviewed,
            review_median = j.median, review_p90 = j.p90
        FROM joined AS j
        WHERE health_figures.kind = :kind AND health_figures.period_start = j.period
          AND health_figures.category_id = j.scope""",
        kind=kind,
        since=since,
    )
    _run(
        f"""
        WITH hidden AS (
          SELECT s.{kind} AS period, t.category_id
          FROM posts AS p
          JOIN topics AS t ON t.id = p.topic_id
          JOIN health_slots AS s ON s.slot = {_slot("p.hidden_at")}
          WHERE p.hidden_at >= :since AND s.{kind} IS NOT NULL AND p.deleted_at IS NULL),
        counted AS (
          SELECT period, 0 AS scope, COUNT(*) AS n FROM hidden GROUP BY period
          UNION ALL
          SELECT period, category_id, COUNT(*) FROM hidden GROUP BY period, category_id)
        UPDATE health_figures SET hidden_posts = c.n
        FROM counted AS c
        WHERE health_figures.kind = :kind AND health_figures.period_start = c.period
          AND health_figures.category_id = c.scope""",
        kind=kind,
        since=since,
    )
    _run(
        f"""
        WITH counted AS (
          SELECT s.{kind} AS period, COUNT(*) AS n
          FROM sanctions AS x
          JOIN health_slots AS s ON s.slot = {_slot("x.created_at")}
          WHERE x.created_at >= :since AND s.{kind} IS NOT NULL
          GROUP BY s.{kind})
        UPDATE health_figures SET sanctions = c.n
        FROM counted AS c
        WHERE health_figures.kind = :kind AND health_figures.period_start = c.period
          AND health_figures.category_id = 0""",
        kind=kind,
        since=since,
    )
