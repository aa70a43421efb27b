"""The ambassador job at scale: job time and peak memory against a bare SQL aggregate.

For each member count: build a community with bench/community.py (or reuse the one kept
in bench/out/), copy it and add activity events until posts + helpful votes + badge
awards + external signals reach ``--events-per-member`` (10 by default: 10,000,000 at
1,000,000 members), most of the added ones inside the last 90 days. Then, each in its
own child process (wall time, peak RSS as VmHWM):

- the floor: one hand-written SQL aggregate that computes every member's score as the
  job does (a single GROUP BY per member over a UNION ALL of the window's posts, votes,
  badge awards, flags and external signals, with the job's joins, exclusions, weights
  and cap; see FLOOR_SQL), without eligibility, ranking or storing anything;
  ``--legacy-floor`` also times the lighter floor used before (LEGACY_FLOOR_SQL);
- the job as the product runs it: ``run_job("identify-ambassadors", as_of=...)`` inside
  ``create_app("production", ...)``, as a first run (what earlier runs wrote is deleted
  first, so every selected member is promoted); each SQL statement is timed with
  before/after_cursor_execute listeners, so the slowest ones are named.

Floor and first run alternate for ``--rounds`` rounds (the best of each is kept, so
the machine's other load falls on both alike), then the job runs once more on the same
data (second run: statuses already applied). ``--breakdown`` instead times each
table's select of the score query alone. The SQLite runs work on a copy.

Targets: the job within 1.5 times the floor; peak memory under 300 MB.

    .venv/bin/python bench/ambassador_bench.py --members 100000 1000000 --reuse
    .venv/bin/python bench/ambassador_bench.py --members 100000 --reuse \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/tribune_bench
    .venv/bin/python bench/ambassador_bench.py --members 1000000 --reuse --breakdown
    .venv/bin/python bench/ambassador_bench.py --members --combine bench/out/ambassador-*.json

A PostgreSQL database is filled by copying the SQLite one built for the same member
count (COPY, table by table, into a schema made by the app's migrations): the same rows
on both databases (310 s for 1,000,000 members here).
"""

from __future__ import annotations

import argparse
import array
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import community  # noqa: E402
from bench.leaderboard_bench import (  # noqa: E402
    _redact,
    _server_version,
    load_average,
    machine,
)

RESULTS = ROOT / "bench" / "RESULTS.md"
TARGET_RATIO = 1.5
TARGET_PEAK_MB = 300.0
WINDOW_DAYS = 90
EVENT_TABLES = ("posts", "post_votes", "badge_awards", "external_signals")
# External signal kinds and how often each is imported.
SIGNAL_MIX = (("purchase", 40), ("review", 15), ("referral", 10), ("event", 10),
              ("social_follow", 25))  # fmt: skip
NETWORKS = ("instagram", "facebook", "youtube", "tiktok", "x")
# Badges the rule sweep grants (never the job's own "ambassador" and "helper").
BADGES = ("first-post", "supporter", "appreciated", "nice-answer", "regular-visitor",
          "solver", "good-question", "helping-hand")  # fmt: skip
# Tables copied from SQLite into PostgreSQL (parents first; FKs are off while copying).
COPY_TABLES = (*community.TABLES, "badge_awards", "external_signals")

# The floor: one statement, hand-written, that computes what the job's score query
# computes for every member, with the same joins, filters, window and default weights
# (AMBASSADOR_WEIGHTS, new voters 0.25, established after 30 days, external capped at
# 1.0 x the forum score): one GROUP BY per member over a UNION ALL of
# - posts joined to topics (live posts in live topics): a topic started 1, a reply in a
#   discussion 0.5, an answer to someone else's question 2, +15 if accepted, +5 if it
#   came a day or more after the question and no earlier live answer did (rescued);
# - helpful votes joined to posts and voters (live posts in live topics, no self vote,
#   none inside a serial-voting report's window): 3 each, 0.75 from new voters; written
#   with the job's two rewrites (the topic checked against the deleted topics' ids, the
#   report look-up only for reported voters), which make it faster, not slower;
# - active days: distinct days with a post or a vote cast;
# - badge awards (not revoked, not the job's own) 2, upheld flags 2;
# - external signals: purchase 1, review 4 x stars/5 (stars clamped to 0..5), referral
#   6, event 5, and 1 per distinct social network followed;
# then score = forum + min(external, forum). Its total equals the sum of the scores the
# job stores (checked). Left out: eligibility (a users join), ranking, storing the rows
# and everything after (statuses, grants, segments). count(*) and sum() consume every
# member's row inside the database. On PostgreSQL it runs with JIT off, as the job
# does (JIT only slows it).
FLOOR_SQL = """
SELECT count(*) AS members, sum(score) AS total FROM (
  SELECT m.forum + CASE WHEN m.external < m.forum THEN m.external ELSE m.forum END AS score
  FROM (
    SELECT e.user_id, sum(e.forum) + count(DISTINCT e.day) AS forum,
           sum(e.external) + count(DISTINCT e.network) AS external
    FROM (
      SELECT p.author_id AS user_id,
             CASE WHEN p.position = 0 THEN 1.0
                  WHEN t.kind = 'discussion' THEN 0.5
                  WHEN t.kind <> 'question' OR p.author_id = t.author_id THEN 0.0
                  ELSE 2.0
                       + CASE WHEN t.accepted_post_id = p.id THEN 15.0 ELSE 0.0 END
                       + CASE WHEN {late} >= 1 AND NOT EXISTS (
                                SELECT 1 FROM posts a
                                WHERE a.topic_id = p.topic_id AND a.position > 0
                                  AND a.position < p.position
                                  AND a.author_id <> t.author_id AND a.deleted_at IS NULL)
                              THEN 5.0 ELSE 0.0 END
             END AS forum,
             0.0 AS external, date(p.created_at) AS day, NULL AS network
      FROM posts p JOIN topics t ON t.id = p.topic_id
      WHERE p.created_at > :start AND p.created_at <= :end
        AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND t.deleted_at IS NULL
      UNION ALL
      SELECT p.author_id, CASE WHEN {age} >= 30 THEN 3.0 ELSE 0.75 END, 0.0, NULL, NULL
      FROM post_votes v
      JOIN posts p ON p.id = v.post_id
      JOIN users u ON u.id = v.user_id
      WHERE v.created_at > :start AND v.created_at <= :end AND v.user_id <> p.author_id
        AND p.deleted_at IS NULL AND p.hidden_at IS NULL
        AND p.topic_id NOT IN (SELECT id FROM topics WHERE deleted_at IS NOT NULL)
        AND (v.user_id NOT IN (SELECT voter_id FROM voting_reports WHERE kind = 'serial')
             OR NOT EXISTS (
               SELECT 1 FROM voting_reports r
               WHERE r.voter_id = v.user_id AND r.author_id = p.author_id
                 AND r.kind = 'serial'
                 AND v.created_at >= r.window_start AND v.created_at <= r.window_end))
      UNION ALL
      SELECT v.user_id, 0.0, 0.0, date(v.created_at), NULL
      FROM post_votes v
      WHERE v.created_at > :start AND v.created_at <= :end
      UNION ALL
      SELECT b.user_id, 2.0, 0.0, NULL, NULL
      FROM badge_awards b
      WHERE b.awarded_at > :start AND b.awarded_at <= :end AND b.revoked_at IS NULL
        AND b.badge NOT IN ('ambassador', 'helper')
      UNION ALL
      SELECT f.flagger_id, 2.0, 0.0, NULL, NULL
      FROM flags f
      WHERE f.status = 'upheld' AND f.resolved_at > :start AND f.resolved_at <= :end
      UNION ALL
      SELECT s.user_id, 0.0,
             CASE s.kind WHEN 'purchase' THEN 1.0 WHEN 'referral' THEN 6.0
                         WHEN 'event' THEN 5.0
                         WHEN 'review' THEN 4.0 * CASE WHEN s.value > 5 THEN 5.0
                                                       WHEN s.value < 0 THEN 0.0
                                                       ELSE s.value END / 5.0
                         ELSE 0.0 END,
             NULL,
             CASE WHEN s.kind = 'social_follow' THEN s.source END
      FROM external_signals s
      WHERE s.occurred_at > :start AND s.occurred_at <= :end
    ) AS e
    GROUP BY e.user_id
  ) AS m
) AS s
"""
# The floor used until 2026-12 (kept to compare with): one sum and one count of days,
# without the votes' topic join, the serial-voting exclusion, rescued questions, one
# follow per network and the external cap.
LEGACY_FLOOR_SQL = """
SELECT count(*) AS members, sum(score) AS total FROM (
  SELECT e.user_id, sum(e.points) + count(DISTINCT e.day) AS score
  FROM (
    SELECT p.author_id AS user_id,
           CASE WHEN p.position = 0 THEN 1.0
                WHEN t.kind <> 'question' THEN 0.5
                WHEN p.author_id = t.author_id THEN 0.0
                WHEN t.accepted_post_id = p.id THEN 17.0
                ELSE 2.0 END AS points,
           date(p.created_at) AS day
    FROM posts p JOIN topics t ON t.id = p.topic_id
    WHERE p.created_at > :start AND p.created_at <= :end
      AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND t.deleted_at IS NULL
    UNION ALL
    SELECT p.author_id, CASE WHEN {age} >= 30 THEN 3.0 ELSE 0.75 END, NULL
    FROM post_votes v
    JOIN posts p ON p.id = v.post_id
    JOIN users u ON u.id = v.user_id
    WHERE v.created_at > :start AND v.created_at <= :end AND v.user_id <> p.author_id
      AND p.deleted_at IS NULL AND p.hidden_at IS NULL
    UNION ALL
    SELECT v.user_id, 0.0, date(v.created_at)
    FROM post_votes v
    WHERE v.created_at > :start AND v.created_at <= :end
    UNION ALL
    SELECT b.user_id, 2.0, NULL
    FROM badge_awards b
    WHERE b.awarded_at > :start AND b.awarded_at <= :end AND b.revoked_at IS NULL
      AND b.badge NOT IN ('ambassador', 'helper')
    UNION ALL
    SELECT f.flagger_id, 2.0, NULL
    FROM flags f
    WHERE f.status = 'upheld' AND f.resolved_at > :start AND f.resolved_at <= :end
    UNION ALL
    SELECT s.user_id,
           CASE s.kind WHEN 'purchase' THEN 1.0 WHEN 'review' THEN 4.0 * s.value / 5.0
                       WHEN 'referral' THEN 6.0 WHEN 'event' THEN 5.0 ELSE 1.0 END,
           NULL
    FROM external_signals s
    WHERE s.occurred_at > :start AND s.occurred_at <= :end
  ) AS e
  GROUP BY e.user_id
) AS s
"""
DAYS_BETWEEN = {
    "sqlite": "julianday({later}) - julianday({earlier})",
    "postgresql": "extract(epoch FROM {later} - {earlier}) / 86400",
}


def floor_sql(url: str, legacy: bool = False) -> str:
    days = DAYS_BETWEEN["sqlite" if url.startswith("sqlite") else "postgresql"]
    age = days.format(later="v.created_at", earlier="u.created_at")
    late = days.format(later="p.created_at", earlier="t.created_at")
    sql = LEGACY_FLOOR_SQL if legacy else FLOOR_SQL
    return sql.replace("{age}", age).replace("{late}", late)


# One measurement in a fresh interpreter; prints its figures as JSON on the last line.
CHILD = r"""
import json, sys, time
from datetime import UTC, datetime, timedelta
from sqlalchemy import event, text
from app import create_app
from app.core.scheduler import run_job
from app.extensions import db

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0

url, mode, as_of, floor_sql = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
at = datetime.fromtimestamp(as_of, UTC)
app = create_app("production", {"DATABASE_URL": url, "SECRET_KEY": "bench"})
statements = {}
with app.app_context():
    db.session.execute(text("SELECT 1")).all()
    db.session.rollback()
    engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        took = time.perf_counter() - conn.info["bench_started"].pop()
        key = " ".join(statement.split())
        seconds, count = statements.get(key, (0.0, 0))
        statements[key] = (seconds + took, count + 1)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    backend = None
    if engine.dialect.name == "postgresql":
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.rollback()
    baseline = status("VmRSS")
    started = time.perf_counter()
    if mode.startswith("floor"):
        if engine.dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL jit = off"))  # as the job does
        start = at - timedelta(days=90)
        if engine.dialect.name == "sqlite":
            bounds = [x.strftime("%Y-%m-%d %H:%M:%S.%f") for x in (start, at)]
        else:
            bounds = [x.replace(tzinfo=None) for x in (start, at)]
        row = db.session.execute(text(floor_sql), {"start": bounds[0], "end": bounds[1]}).one()
        result = {"members": row[0], "total": round(float(row[1] or 0), 1)}
        db.session.rollback()
    elif mode == "breakdown":
        # Each table's select of the score query alone, consumed by count() and sum()
        # (an unused column would not be computed at all).
        from sqlalchemy import func, select
        from app.ambassadors.scoring import ScoreParams, _rows
        result = {}
        names = ("posts", "votes_received", "votes_cast", "badges", "flags", "external")
        for name, (source, _) in zip(names, _rows(ScoreParams.from_config(at)), strict=True):
            rows = source.subquery()
            query = select(func.count(), func.sum(rows.c.amount + rows.c.code),
                           func.count(rows.c.day), func.count(rows.c.follow_source))
            began = time.perf_counter()
            count, total, _, _ = db.session.execute(query).one()
            result[name] = {"seconds": round(time.perf_counter() - began, 2), "rows": count,
                            "amount": round(float(total or 0), 1)}  # fmt: skip
        db.session.rollback()
    else:
        run = run_job("identify-ambassadors", as_of=at)
        result = {"outcome": run.outcome, **(run.figures or {})}
        if run.outcome != "success":
            result["error"] = (run.error or "")[-3000:]
    seconds = time.perf_counter() - started
    server_mb = None
    if backend:
        try:
            for line in open(f"/proc/{backend}/status"):
                if line.startswith("VmHWM:"):
                    server_mb = int(line.split()[1]) / 1024
        except OSError:
            pass
    db.session.remove()
    db.engine.dispose()
top = sorted(statements.items(), key=lambda item: -item[1][0])[:8]
print(json.dumps({
    "mode": mode, "seconds": seconds, "baseline_mb": baseline, "peak_mb": status("VmHWM"),
    "result": result, "statements": len(statements), "server_mb": server_mb,
    "slowest": [{"sql": sql, "seconds": s, "count": n} for sql, (s, n) in top],
}))
"""


@dataclass
class Measure:
    """One measurement in a child process."""

    label: str
    mode: str
    seconds: float
    baseline_mb: float
    peak_mb: float
    result: dict[str, Any]
    load: float
    slowest: list[dict[str, Any]] = field(default_factory=list)
    # PostgreSQL: the server backend's peak RSS (VmHWM, shared buffers it touched included).
    server_mb: float | None = None


@dataclass
class SizeRun:
    """Everything measured at one member count on one database."""

    members: int
    database: str
    rows: dict[str, int]
    events: int
    events_in_window: int
    build_seconds: float
    measures: list[Measure] = field(default_factory=list)
    command: str = ""
    server: str = ""

    def best(self, mode: str, label: str = "") -> Measure | None:
        found = [m for m in self.measures if m.mode == mode and label in m.label]
        return min(found, key=lambda m: m.seconds) if found else None


# -- building the data ------------------------------------------------------------------


def _epoch(dialect: str, column: str) -> str:
    if dialect == "sqlite":
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(extract(epoch FROM {column}) AS BIGINT)"


def add_events(url: str, now: int, per_member: int, seed: int, show: bool = True) -> dict:
    """Add helpful votes, badge awards and external signals to a generated community.

    Posts + votes + awards + signals reach ``per_member`` times the members. Votes are
    ledger-free (``users.points`` does not include them: the ambassador job does not read
    the ledger). Half the signals and awards, and most added votes, fall in the last 90
    days. Returns the rows added per table.
    """
    rng = random.Random(seed + 1)
    engine = community._engine(url)
    added: dict[str, int] = {}
    with engine.connect() as connection:
        dialect = connection.dialect.name
        if dialect == "sqlite":
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            connection.exec_driver_sql("PRAGMA cache_size=-500000")
        sql = connection.exec_driver_sql
        members = int(sql("SELECT count(*) FROM users").scalar() or 0)
        user_created = array.array("q", bytes(8 * (members + 1)))
        for uid, at in sql(f"SELECT id, {_epoch(dialect, 'created_at')} FROM users"):
            user_created[uid] = at
        posts = int(sql("SELECT max(id) FROM posts").scalar() or 0)
        author = array.array("q", bytes(8 * (posts + 1)))
        created = array.array("q", bytes(8 * (posts + 1)))
        for pid, uid, at in sql(
            f"SELECT id, author_id, {_epoch(dialect, 'created_at')} FROM posts"
        ):
            author[pid], created[pid] = uid, at
        seen = {
            pid * (members + 1) + uid for pid, uid in sql("SELECT post_id, user_id FROM post_votes")
        }
        counts = {t: int(sql(f"SELECT count(*) FROM {t}").scalar() or 0) for t in EVENT_TABLES}
        connection.commit()
        start = now - WINDOW_DAYS * community.DAY
        recent = array.array("q", (pid for pid in range(1, posts + 1) if created[pid] > start))
        posters = sorted(set(author[1:]))
        target = per_member * members
        signals = 2 * members
        awards = members // 2
        votes = max(0, target - counts["posts"] - counts["post_votes"] - signals - awards)
        out = community.Writer(connection)
        _add_votes(out, rng, now, votes, members, posts, author, created, user_created,
                   recent, posters, seen, show)  # fmt: skip
        del seen
        _add_signals(out, rng, now, signals, members, posters, show)
        _add_awards(out, rng, now, awards, posters, user_created, show)
        added = dict(out.counts)
        if dialect == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
            sql("VACUUM ANALYZE")
        else:
            sql("ANALYZE")
            sql("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.commit()
    engine.dispose()
    return added


def _add_votes(
    out: community.Writer,
    rng: random.Random,
    now: int,
    total: int,
    members: int,
    posts: int,
    author: array.array[int],
    created: array.array[int],
    user_created: array.array[int],
    recent: array.array[int],
    posters: list[int],
    seen: set[int],
    show: bool,
) -> None:
    """Votes by posters and some readers; popular and recent posts draw more."""
    voters = posters + [uid for uid in range(1, members + 1) if rng.random() < 0.05]
    voted: array.array[int] = array.array("q")
    rows: list[tuple[Any, ...]] = []
    with community._bar("more votes", total, show) as bar:
        made = 0
        while made < total:
            r = rng.random()
            if r < 0.3 and voted:
                pid = voted[rng.randrange(len(voted))]
            elif r < 0.8 and recent:
                pid = recent[rng.randrange(len(recent))]
            else:
                pid = rng.randint(1, posts)
            voter = voters[rng.randrange(len(voters))]
            pair = pid * (members + 1) + voter
            if voter == author[pid] or pair in seen or author[pid] == 0:
                continue
            seen.add(pair)
            voted.append(pid)
            at = community._after(rng, max(created[pid], user_created[voter]), now, 3.0)
            rows.append((pid, voter, community.stamp(at)))
            made += 1
            if len(rows) >= community.BATCH:
                out.insert("post_votes", ("post_id", "user_id", "created_at"), rows)
                bar.update(len(rows))
                rows = []
        out.insert("post_votes", ("post_id", "user_id", "created_at"), rows)
        bar.update(len(rows))


def _add_signals(
    out: community.Writer,
    rng: random.Random,
    now: int,
    total: int,
    members: int,
    posters: list[int],
    show: bool,
) -> None:
    """Purchases, reviews, referrals, events and follows: posters and silent customers."""
    kinds = [kind for kind, _ in SIGNAL_MIX]
    weights = [weight for _, weight in SIGNAL_MIX]
    columns = ("id", "user_id", "kind", "value", "occurred_at", "source", "dedupe_key",
               "imported_at")  # fmt: skip
    imported = community.stamp(now)
    rows: list[tuple[Any, ...]] = []
    with community._bar("signals", total, show) as bar:
        for sid in range(1, total + 1):
            uid = (
                posters[rng.randrange(len(posters))]
                if rng.random() < 0.6
                else rng.randint(1, members)
            )
            kind = rng.choices(kinds, weights)[0]
            value = float(rng.randint(1, 5)) if kind == "review" else 1.0
            source = rng.choice(NETWORKS) if kind == "social_follow" else "shop"
            at = now - int(365 * community.DAY * rng.random() ** 2)
            rows.append((sid, uid, kind, value, community.stamp(at), source,
                         f"bench-{sid:012d}", imported))  # fmt: skip
            if len(rows) >= community.BATCH:
                out.insert("external_signals", columns, rows)
                bar.update(len(rows))
                rows = []
        out.insert("external_signals", columns, rows)
        bar.update(len(rows))


def _add_awards(
    out: community.Writer,
    rng: random.Random,
    now: int,
    total: int,
    posters: list[int],
    user_created: array.array[int],
    show: bool,
) -> None:
    """Rule badges held by posters, awarded over the last year."""
    columns = ("id", "user_id", "badge", "award_key", "awarded_at")
    rows: list[tuple[Any, ...]] = []
    with community._bar("badge awards", total, show) as bar:
        for aid in range(1, total + 1):
            uid = posters[rng.randrange(len(posters))]
            badge = rng.choice(BADGES)
            at = max(now - int(365 * community.DAY * rng.random() ** 2), user_created[uid])
            rows.append((aid, uid, badge, f"{badge}:{uid}:bench{aid}", community.stamp(at)))
            if len(rows) >= community.BATCH:
                out.insert("badge_awards", columns, rows)
                bar.update(len(rows))
                rows = []
        out.insert("badge_awards", columns, rows)
        bar.update(len(rows))


def count_events(url: str, now: int) -> tuple[dict[str, int], int, int]:
    """Rows per table, activity events, and events inside the 90-day window."""
    from sqlalchemy import create_engine, text

    start = now - WINDOW_DAYS * community.DAY
    dated = {"posts": "created_at", "post_votes": "created_at", "badge_awards": "awarded_at",
             "external_signals": "occurred_at"}  # fmt: skip
    engine = create_engine(url)
    rows: dict[str, int] = {}
    window = 0
    sqlite = url.startswith("sqlite")
    with engine.connect() as connection:
        for table in COPY_TABLES:
            rows[table] = int(
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0
            )
        for table, column in dated.items():
            bound: Any = community.stamp(start)
            if not sqlite:
                from datetime import UTC, datetime

                bound = datetime.fromtimestamp(start, UTC).replace(tzinfo=None)
            window += int(
                connection.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {column} > :start"), {"start": bound}
                ).scalar()
                or 0
            )
    engine.dispose()
    return rows, sum(rows[t] for t in EVENT_TABLES), window


def sqlite_base(members: int) -> Path:
    return community.OUT / f"ambassador-{members}.db"


def prepare_sqlite(members: int, reuse: bool, per_member: int) -> tuple[Path, dict[str, Any]]:
    """The SQLite community with its added events, built or reused; its figures."""
    base = sqlite_base(members)
    meta = Path(f"{base}.json")
    if reuse and base.exists() and meta.exists():
        figures = json.loads(meta.read_text())
        print(f"Reusing {base} ({figures['events']:,} events)", flush=True)
        return base, figures
    source = community.sqlite_path(members)
    source_meta = Path(f"{source}.json")
    started = time.perf_counter()
    if not (reuse and source.exists() and source_meta.exists()):
        for stale in source.parent.glob(source.name + "*"):
            stale.unlink()
        source.parent.mkdir(parents=True, exist_ok=True)
        print(f"Generating {members:,} members into {source}", flush=True)
        generated = community.generate(f"sqlite:///{source}", members)
        source_meta.write_text(json.dumps(asdict(generated)))
    generated = community.Figures(**json.loads(source_meta.read_text()))
    for stale in base.parent.glob(base.name + "*"):
        stale.unlink()
    shutil.copyfile(source, base)
    print(f"Adding events into {base}", flush=True)
    url = f"sqlite:///{base}"
    add_events(url, generated.generated_at, per_member, generated.seed)
    rows, events, window = count_events(url, generated.generated_at)
    figures = {
        "members": members,
        "generated_at": generated.generated_at,
        "rows": rows,
        "events": events,
        "events_in_window": window,
        # The community's build plus the added events.
        "build_seconds": round(generated.seconds + time.perf_counter() - started, 1),
    }
    meta.write_text(json.dumps(figures))
    return base, figures


def copy_to_postgres(source: Path, url: str) -> float:
    """Migrate an empty PostgreSQL database and COPY the SQLite rows into it."""
    from sqlalchemy import create_engine

    started = time.perf_counter()
    community._migrate(url)
    engine = create_engine(url)
    lite = sqlite3.connect(source)
    with engine.connect() as connection:
        if connection.exec_driver_sql("SELECT count(*) FROM users").scalar():
            raise RuntimeError("the PostgreSQL database already has members: give an empty one")
        raw = connection.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")  # no FK checks
            serial: list[str] = []
            for table in COPY_TABLES:
                cursor.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = %s AND is_generated = 'NEVER'",
                    (table,),
                )
                target = {row[0] for row in cursor.fetchall()}
                names = [
                    r[1] for r in lite.execute(f"PRAGMA table_info({table})") if r[1] in target
                ]
                booleans = {
                    row[0]
                    for row in cursor.execute(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = %s AND data_type = 'boolean'",
                        (table,),
                    ).fetchall()
                }
                flags = [name in booleans for name in names]
                if "id" in names:
                    serial.append(table)
                print(f"  COPY {table}", flush=True)
                columns = ", ".join(names)
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in lite.execute(f"SELECT {columns} FROM {table}"):
                        if any(flags):
                            row = tuple(
                                (bool(v) if v is not None else None) if f else v
                                for v, f in zip(row, flags, strict=True)
                            )
                        copy.write_row(row)
                raw.commit()
            cursor.execute("SET session_replication_role = DEFAULT")
            for table in serial:
                cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
                sequence = cursor.fetchone()
                if sequence and sequence[0]:
                    highest = f"(SELECT coalesce(max(id), 1) FROM {table})"
                    cursor.execute(f"SELECT setval('{sequence[0]}', {highest})")
            raw.commit()
        connection.commit()
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("VACUUM ANALYZE")
    lite.close()
    engine.dispose()
    return round(time.perf_counter() - started, 1)


# -- measuring --------------------------------------------------------------------------


def measure(url: str, mode: str, label: str, as_of: int, timeout: float) -> Measure:
    """Run the floor or the job in a child process; its peak memory is its own."""
    print(f"  {label}...", flush=True)
    load = load_average()
    sql = floor_sql(url, legacy=mode == "floor-legacy")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, mode, str(as_of), sql],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{done.stderr[-4000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["result"].get("outcome", "success") != "success":
        raise RuntimeError(f"{label}: {figures['result']}")
    run = Measure(
        label,
        mode,
        figures["seconds"],
        figures["baseline_mb"],
        figures["peak_mb"],
        figures["result"],
        load,
        figures["slowest"],
        figures.get("server_mb"),
    )
    print(
        f"    {run.seconds:8.1f} s   peak {run.peak_mb:6.1f} MB (baseline {run.baseline_mb:.1f} MB)"
        f"   load {load:.2f}   server {run.server_mb or 0:.0f} MB   {run.result}",
        flush=True,
    )
    for statement in run.slowest[:4]:
        print(
            f"      {statement['seconds']:7.2f} s  x{statement['count']}  {statement['sql'][:150]}"
        )
    return run


JOB_TABLES = ("segment_members", "engagement_scores", "ambassador_status_changes",
              "ambassador_statuses", "ambassador_runs", "notifications", "capability_grants",
              "job_runs", "job_leases")  # fmt: skip


def reset(url: str) -> None:
    """Remove what job runs wrote (the generated data has none of it), so that the next
    run is a first run again."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        for table in JOB_TABLES:
            connection.exec_driver_sql(f"DELETE FROM {table}")
        connection.exec_driver_sql(
            "DELETE FROM badge_awards WHERE badge IN ('ambassador', 'helper')"
        )
    engine.dispose()


def bench_size(args: argparse.Namespace, members: int) -> SizeRun:
    """Floor and job at one member count."""
    base, figures = prepare_sqlite(members, args.reuse, args.events_per_member)
    as_of = int(figures["generated_at"])
    rows, events, window = figures["rows"], figures["events"], figures["events_in_window"]
    build = float(figures["build_seconds"])
    work: Path | None = None
    if args.database_url:
        url = args.database_url
        copied = Path(f"{base}.postgresql.json")  # how long the COPY took
        if not _postgres_filled(url, members):
            print(f"Copying {base} into {_redact(url)}", flush=True)
            copied.write_text(json.dumps({"seconds": copy_to_postgres(base, url)}))
        else:
            print(f"Reusing {_redact(url)}", flush=True)
        if copied.exists():
            build += float(json.loads(copied.read_text())["seconds"])
        rows, events, window = count_events(url, as_of)
    else:
        # The job writes: everything runs on a copy.
        work = base.with_name(f"ambassador-work-{members}.db")
        url = f"sqlite:///{work}"
    engine = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    run = SizeRun(members, engine, rows, events, window, build, server=_server_version(url))
    if args.build_only:
        return run
    if work:
        for stale in work.parent.glob(work.name + "*"):
            stale.unlink()
        shutil.copyfile(base, work)
    print(f"{members:,} members, {events:,} events ({window:,} in the window) on {engine}")
    try:
        if args.breakdown:
            label = "score query, one signal at a time"
            run.measures.append(measure(url, "breakdown", label, as_of, args.timeout))
            return run
        # Interleaved rounds, so that the machine's other load falls on both alike.
        for attempt in range(1, args.rounds + 1):
            run.measures.append(
                measure(url, "floor", f"floor (round {attempt})", as_of, args.timeout)
            )
            if args.legacy_floor:
                label = f"legacy floor (round {attempt})"
                run.measures.append(measure(url, "floor-legacy", label, as_of, args.timeout))
            reset(url)
            run.measures.append(
                measure(url, "job", f"job, first run (round {attempt})", as_of, args.timeout)
            )
        # Again on the same data: every status is already applied (a steady night).
        run.measures.append(measure(url, "job", "job, second run (steady)", as_of, args.timeout))
    finally:
        if work and not args.keep:
            for path in work.parent.glob(work.name + "*"):
                path.unlink()
    return run


def _postgres_filled(url: str, members: int) -> bool:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            count = connection.exec_driver_sql("SELECT count(*) FROM external_signals").scalar()
            users = connection.exec_driver_sql("SELECT count(*) FROM users").scalar()
    except Exception:
        return False
    finally:
        engine.dispose()
    return bool(count) and users == members


# -- reporting --------------------------------------------------------------------------


def report(runs: list[SizeRun]) -> str:
    """A Markdown section for RESULTS.md."""
    info = machine()
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    split = [(r, m) for r in runs for m in r.measures if m.mode == "breakdown"]
    measured = runs
    runs = [r for r in runs if r.best("floor")]
    servers = sorted({r.server for r in runs if r.server})
    lines = [
        f"## Ambassador job at scale ({stamp})",
        "",
        "`bench/ambassador_bench.py`: the `identify-ambassadors` job as the product runs it",
        '(`run_job` in `create_app("production")`, 90-day window, `as_of` = the generation',
        "time) against the floor, one hand-written SQL aggregate that computes every",
        "member's score as the job does (one GROUP BY per member over the window's posts",
        "joined to topics, votes joined to posts and voters, badge awards, flags and",
        "external signals, with the job's exclusions, rescues, follows and cap; its total",
        "equals the sum of the stored scores; no eligibility, ranking or storing; see",
        '`FLOOR_SQL`; PostgreSQL with JIT off, as the job). "legacy floor": the lighter',
        "one used before (`LEGACY_FLOOR_SQL`). Each run in a fresh child process, wall",
        "time, peak RSS as VmHWM. Floor and job first run alternate (rounds; the job's rows",
        "are deleted before each first run), the best of each is kept; then a second job",
        "run on the same data (statuses already applied).",
        "",
        f"- Machine: {info['cores']} cores ({info['cpu']}), {info['memory']} RAM, {info['os']}",
        f"- Python {info['python']}; SQLite {info['sqlite']} (WAL, synchronous=NORMAL)"
        + "".join(f"; {s}" for s in servers),
        *dict.fromkeys(f"- Command: `{r.command}`" for r in measured),
        "",
        "| members | database | events | in window | floor | job (first run) | ratio | "
        "job (second run) | ratio | job peak RSS | load | ratio ≤ 1.5 | peak < 300 MB | "
        "legacy floor | ratio to it |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|---:|",
    ]
    for r in runs:
        floor = r.best("floor")
        first = r.best("job", "first")
        second = r.best("job", "second")
        assert floor and first and second
        peak = max(m.peak_mb for m in r.measures if m.mode == "job")
        load_values = [m.load for m in r.measures]
        loads = f"{min(load_values):.2f} to {max(load_values):.2f}"
        ratio1, ratio2 = first.seconds / floor.seconds, second.seconds / floor.seconds
        lines.append(
            f"| {r.members:,} | {r.database} | {r.events:,} | {r.events_in_window:,} | "
            f"{floor.seconds:,.1f} s | {first.seconds:,.1f} s | {ratio1:.2f} | "
            f"{second.seconds:,.1f} s | {ratio2:.2f} | {peak:,.0f} MB | {loads} | "
            f"{'met' if max(ratio1, ratio2) <= TARGET_RATIO else '**missed**'} | "
            f"{'met' if peak < TARGET_PEAK_MB else '**missed**'} | "
            + (
                f"{legacy.seconds:,.1f} s | {first.seconds / legacy.seconds:.2f} |"
                if (legacy := r.best("floor-legacy"))
                else "- | - |"
            )
        )
    lines += [
        "",
        "Rows:",
        "",
        "| members | database | users | posts | post_votes | badge_awards | external_signals | "
        "ledger_entries | build |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        n = r.rows
        lines.append(
            f"| {r.members:,} | {r.database} | {n['users']:,} | {n['posts']:,} | "
            f"{n['post_votes']:,} | {n['badge_awards']:,} | {n['external_signals']:,} | "
            f"{n['ledger_entries']:,} | {r.build_seconds:,.0f} s |"
        )
    lines += [
        "",
        "Each measurement (load: 1-minute load average before it; server: on PostgreSQL,",
        "the backend's VmHWM, shared buffers it touched included):",
        "",
        "| members | database | run | wall time | peak RSS | baseline RSS | server | load | "
        "result |",
        "|---:|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        for m in r.measures:
            if m.mode == "breakdown":
                continue
            server = f"{m.server_mb:,.0f} MB" if m.server_mb else "-"
            lines.append(
                f"| {r.members:,} | {r.database} | {m.label} | {m.seconds:,.1f} s | "
                f"{m.peak_mb:,.0f} MB | {m.baseline_mb:,.0f} MB | {server} | {m.load:.2f} | "
                f"`{json.dumps(m.result)}` |"
            )
    if split:
        lines += [
            "",
            "The score query's sub-selects, each alone (`SELECT count(*), sum(amount) FROM",
            "(...)`, with `--breakdown`), seconds:",
            "",
            "| signal | " + " | ".join(f"{r.members:,} {r.database}" for r, _ in split) + " |",
            "|---|" + "---:|" * len(split),
        ]
        for name in split[0][1].result:
            cells = [f"{m.result.get(name, {}).get('seconds', 0):,.2f}" for _, m in split]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        totals = [f"{sum(v['seconds'] for v in m.result.values()):,.1f}" for _, m in split]
        lines.append("| (sum) | " + " | ".join(totals) + " |")
    lines += ["", "Slowest statements of the job's first run:", ""]
    for r in runs:
        first = r.best("job", "first")
        assert first
        lines.append(f"- {r.members:,} members, {r.database}:")
        for s in first.slowest[:4]:
            lines.append(f"  - {s['seconds']:,.1f} s (x{s['count']}): `{s['sql'][:160]}…`")
    return "\n".join(lines) + "\n"


def save(run: SizeRun) -> Path:
    kind = "-breakdown" if any(m.mode == "breakdown" for m in run.measures) else ""
    path = community.OUT / f"ambassador-{run.database.lower()}-{run.members}{kind}.json"
    path.write_text(json.dumps(asdict(run), indent=1))
    return path


def load(path: Path) -> SizeRun:
    data = json.loads(path.read_text())
    data["measures"] = [Measure(**m) for m in data["measures"]]
    return SizeRun(**data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database (default: SQLite under bench/out/)"
    )
    parser.add_argument("--events-per-member", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="reuse generated databases")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite work copy")
    parser.add_argument("--build-only", action="store_true", help="build the data, measure nothing")
    parser.add_argument(
        "--breakdown", action="store_true", help="only time each table's select alone"
    )
    parser.add_argument(
        "--legacy-floor", action="store_true",
        help="also time the floor used until 2026-12 (LEGACY_FLOOR_SQL) in each round",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=2, help="floor and first runs, interleaved")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per measurement")
    parser.add_argument("--combine", type=Path, nargs="*", default=[], help="saved runs to add")
    parser.add_argument("--notes", type=Path, help="a Markdown file of remarks to add")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args(argv)
    if args.database_url and len(args.members) > 1:
        parser.error("--database-url takes one --members count")
    os.environ.setdefault("TRIBUNE_SECRET_KEY", "bench")
    command = " ".join([".venv/bin/python", "bench/ambassador_bench.py", *(argv or sys.argv[1:])])
    if args.database_url:
        command = command.replace(args.database_url, _redact(args.database_url))
    runs = [load(path) for path in args.combine]
    for members in args.members:
        run = bench_size(args, members)
        if args.build_only:
            continue
        run.command = command
        print(f"  saved to {save(run)}", flush=True)
        runs.append(run)
    if args.build_only:
        return 0
    if not runs:
        parser.error("nothing to report")
    section = report(runs)
    if args.notes:
        section += "\n" + args.notes.read_text().strip() + "\n"
    print()
    print(section)
    if not args.no_write:
        text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
        RESULTS.write_text(text.rstrip("\n") + "\n\n" + section)
        print(f"Appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
