"""The ambassador console's reads on PostgreSQL at scale, in a transaction rolled back.

Writes N members and one run of N scores (two thirds eligible, random scores), then
times the console's list (default order, by score, by name with filters) and the score
distribution's two statements, and prints each plan's scans. Nothing stays behind.

    .venv/bin/python -m bench.ambassador_console postgresql+psycopg://.../db 500000
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.dialects import postgresql

from app import create_app
from app.accounts.models import User
from app.ambassadors import console_queries as cq
from app.ambassadors.models import AmbassadorStatus, EngagementScore

RUN = 999_999
FIRST = 10_000_001


def _fill(connection, n: int) -> None:
    last = FIRST + n - 1
    connection.execute(text(
        "INSERT INTO users (id, username, username_key, email, role, bio, created_at,"
        " session_version, active, points) SELECT g, 'u'||g, 'u'||g, 'u'||g||'@example.com',"
        f" 'member', '', now(), 1, true, 0 FROM generate_series({FIRST}, {last}) g"
    ))  # fmt: skip
    connection.execute(text(
        "INSERT INTO engagement_scores (run_id, user_id, accepted_answers, helpful_votes,"
        " answers, replies, rescued_questions, topics_started, active_days, badges_earned,"
        " flags_upheld, purchases, reviews, referrals, events, social_follows, surveys,"
        " co_creation, forum_score, external_raw, external_score, score, eligible)"
        f" SELECT {RUN}, g, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0, 0, 0, random() * 100,"
        f" g % 3 <> 0 FROM generate_series({FIRST}, {last}) g"
    ))  # fmt: skip
    connection.execute(text(
        "UPDATE engagement_scores SET rank = ranked.r FROM (SELECT user_id, row_number()"
        f" OVER (ORDER BY score DESC) AS r FROM engagement_scores WHERE run_id = {RUN}"
        " AND eligible) AS ranked WHERE engagement_scores.run_id = "
        f"{RUN} AND engagement_scores.user_id = ranked.user_id"
    ))  # fmt: skip
    connection.execute(text("ANALYZE engagement_scores"))
    connection.execute(text("ANALYZE users"))


def _timed(connection, sql: str) -> float:
    connection.execute(text(sql)).all()  # warm
    start = time.perf_counter()
    connection.execute(text(sql)).all()
    return (time.perf_counter() - start) * 1000


def main(url: str, n: int) -> None:
    engine = create_engine(url)
    cases = {
        "rank (default)": cq.ConsoleFilters(),
        "score, descending": cq.ConsoleFilters(sort="score", direction="desc"),
        "name, eligible, q=u12": cq.ConsoleFilters(sort="name", eligible="yes", search="u12"),
    }
    with create_app("testing").app_context(), engine.connect() as connection:
        transaction = connection.begin()
        _fill(connection, n)
        for name, filters in cases.items():
            query = (
                select(EngagementScore.user_id, User.username, AmbassadorStatus.status)
                .join(User, User.id == EngagementScore.user_id)
                .outerjoin(AmbassadorStatus, AmbassadorStatus.user_id == EngagementScore.user_id)
                .where(EngagementScore.run_id == RUN)
            )
            if filters.eligible:
                query = query.where(EngagementScore.eligible.is_(True))
            if filters.search:
                query = query.where(func.lower(User.username).contains(filters.search))
            query = query.order_by(*cq._order(filters)).limit(51)
            sql = str(query.compile(dialect=postgresql.dialect(),
                                    compile_kwargs={"literal_binds": True}))  # fmt: skip
            plan = connection.execute(text("EXPLAIN " + sql)).scalars().all()
            scans = [line.strip()[:70] for line in plan if "Scan" in line or "Sort " in line]
            print(f"{name}: {_timed(connection, sql):.0f} ms; {scans[:2]}")
        cases_sql = " ".join(f"WHEN score < {5 * (b + 1)} THEN {b}" for b in range(19))
        start = time.perf_counter()
        connection.execute(text(
            f"SELECT score FROM engagement_scores WHERE run_id = {RUN} AND rank = 1"
        )).scalar()  # fmt: skip
        connection.execute(text(
            f"SELECT CASE {cases_sql} ELSE 19 END AS bin, count(*) FROM engagement_scores"
            f" WHERE run_id = {RUN} AND eligible GROUP BY bin"
        )).all()  # fmt: skip
        print(f"distribution (2 statements): {(time.perf_counter() - start) * 1000:.0f} ms")
        transaction.rollback()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 500_000)
