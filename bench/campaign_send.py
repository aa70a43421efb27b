"""Sending a campaign to a large audience: seconds and peak memory, SQLite and PostgreSQL.

For each member count, a fresh database is made with the application's migrations and
filled with members by one INSERT ... SELECT (a recursive CTE on SQLite,
generate_series on PostgreSQL): two languages, 5% opted out of campaign email, a few
staff and suspended members left out by the audience. Then a child process
(``create_app("production")``) creates an event campaign for every member and runs
``sending.send()`` and ``commit()``: the invitations, notifications and outbox emails of
the whole audience in one transaction. The child reports the send's wall time, its
resident memory before the send and its peak (VmHWM): flat memory means the peak stays
where it was before sending, whatever the audience.

    .venv/bin/python bench/campaign_send.py --members 10000 100000
    .venv/bin/python bench/campaign_send.py --members 10000 100000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/tribune_bench

The PostgreSQL database must exist and its name must contain "bench": its public
schema is dropped and made again. SQLite databases go to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"


def _status(field: str) -> float:
    """A /proc/self/status memory figure (VmRSS, VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _app(url: str) -> Any:
    from app import create_app

    overrides = {"DATABASE_URL": url, "SECRET_KEY": "bench", "BASE_URL": "https://forum.example"}
    return create_app("production", overrides)


def _reset(url: str) -> None:
    """A database made by the migrations alone."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db

    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        if "bench" not in url.rsplit("/", 1)[-1]:
            raise SystemExit("the PostgreSQL database's name must contain 'bench'")
    app = _app(url)
    with app.app_context():
        if not url.startswith("sqlite"):
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()


def _fill(url: str, members: int) -> None:
    """``members`` members, then one staff member (the campaign's author) after them."""
    from sqlalchemy import text

    from app.extensions import db

    app = _app(url)
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        numbers = (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
            if sqlite
            else ""
        )
        source = "n" if sqlite else "generate_series(1, :count) AS n(i)"
        name = "'m' || i" if sqlite else "'m' || i::text"
        role = "CASE WHEN i % 1000 = 0 THEN 'staff' ELSE 'member' END"
        locale = "CASE WHEN i % 3 = 0 THEN 'en' WHEN i % 3 = 1 THEN 'fr' ELSE NULL END"
        # SQLite keeps the text as it is; PostgreSQL is told it is a timestamp.
        now, later = (":now", ":later") if sqlite else ("CAST(:now AS timestamp)",
                                                        "CAST(:later AS timestamp)")  # fmt: skip
        suspended = f"CASE WHEN i % 997 = 0 THEN {later} ELSE NULL END"
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    f"{numbers}INSERT INTO users (id, username, username_key, email, role, bio,"
                    " locale, created_at, session_version, active, points, suspended_until)"
                    f" SELECT i, {name}, {name}, {name} || '@example.com', {role}, '',"
                    f" {locale}, {now}, 1, true, i % 400, {suspended} FROM {source}"
                ),
                {
                    "count": members + 1,
                    "now": "2026-01-01 00:00:00",
                    "later": "2099-01-01 00:00:00",
                },
            )
            connection.execute(text("UPDATE users SET role = 'staff' WHERE id = :id"),
                               {"id": members + 1})  # fmt: skip
            connection.execute(
                text(
                    "INSERT INTO campaign_email_opt_outs (user_id, source, created_at)"
                    f" SELECT id, 'account', {now} FROM users WHERE id % 20 = 0"
                ),
                {"now": "2026-01-01 00:00:00"},
            )
            if not sqlite:
                connection.execute(text("SELECT setval('users_id_seq', :n)"), {"n": members + 1})
        if not sqlite:
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE")
                )
        db.engine.dispose()


def child(url: str, staff_id: int) -> dict[str, Any]:
    """Create a campaign for every member and send it; what the parent prints."""
    from datetime import timedelta

    from app.accounts.models import User
    from app.core.clock import now_utc
    from app.core.events import commit
    from app.extensions import db
    from app.invitations import campaigns, sending

    app = _app(url)
    with app.app_context():
        staff = db.session.get(User, staff_id)
        campaign = campaigns.create(
            staff, "event", title_en="Tasting at the roastery", title_fr="Dégustation",
            description_en="Taste the **new** blends first.", description_fr="Goûtez **avant**.",
            message_en="Dear {name}, come along.", message_fr="Cher {name}, venez.",
            place="Lyon", starts_at=now_utc() + timedelta(days=10),
            reply_deadline=now_utc() + timedelta(days=7), capacity=500,
        )  # fmt: skip
        commit()
        campaign_id = campaign.id
        db.session.expunge_all()
        statements = _time_statements(db.engine)
        before = _status("VmRSS")
        started = time.perf_counter()
        result = sending.send(campaign_id, actor_id=staff_id)
        commit()
        seconds = time.perf_counter() - started
        db.engine.dispose()
    return {"seconds": round(seconds, 2), "rss_before_mb": round(before, 1),
            "peak_mb": round(_status("VmHWM"), 1), "invited": result.invited,
            "notified": result.notified, "emailed": result.emailed,
            "slowest": sorted(statements, reverse=True)[:4]}  # fmt: skip


def _time_statements(engine: Any) -> list[tuple[float, str]]:
    """Each statement's seconds and its first words, filled as statements run."""
    from sqlalchemy import event

    timings: list[tuple[float, str]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def started(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        connection.info["bench.started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def ended(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        seconds = time.perf_counter() - connection.info.pop("bench.started", time.perf_counter())
        timings.append((round(seconds, 2), " ".join(statement.split()[:3])))

    return timings


def _run(url: str, members: int) -> dict[str, Any]:
    started = time.perf_counter()
    _reset(url)
    _fill(url, members)
    filled = time.perf_counter() - started
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(members + 1)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {"members": members, "database": url.split(":", 1)[0], "fill_seconds": round(filled, 1),
            **figures}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--child", nargs=2, metavar=("URL", "STAFF_ID"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"# {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for members in args.members:
        url = args.database_url or f"sqlite:///{OUT / f'campaign-{members}.db'}"
        print(json.dumps(_run(url, members)), flush=True)


if __name__ == "__main__":
    main()
