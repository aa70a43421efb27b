"""Leaderboard and nightly sweep at scale: page latency, job time and peak memory.

For each member count: build a community with bench/community.py (or reuse the one kept
in bench/out/), copy it to a work file, then run the ``refresh-leaderboards`` job and the
``sweep-badges`` job (twice: the first run is a backfill that grants everything, the
second is a steady night) each in its own child process, for wall time and peak RSS
(VmHWM), and time the /leaderboard page with Flask's test client, logged out and logged
in as the member in the middle of the board (so "own rank" is shown).

Targets: the page's median under 20 ms at 1,000,000 members; the jobs' peak memory under
300 MB and flat whatever the number of members.

    .venv/bin/python bench/leaderboard_bench.py --members 100000 1000000 --reuse
"""

from __future__ import annotations

import argparse
import contextvars
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import community  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
TARGET_MEDIAN_MS = 20.0
TARGET_PEAK_MB = 300.0
WARMUP, REQUESTS = 20, 200
SECRET = "bench-secret-key"

# Runs one job in a fresh interpreter; prints its figures as JSON on the last line.
CHILD = r"""
import json, sys, time
from datetime import UTC, datetime
from sqlalchemy import text
from app import create_app
from app.badges import jobs
from app.extensions import db

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0

url, job, as_of = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = create_app("production", {"DATABASE_URL": url, "SECRET_KEY": "bench"})
with app.app_context():
    db.session.execute(text("SELECT 1")).all()
    db.session.rollback()
    baseline = status("VmRSS")
    started = time.perf_counter()
    result = getattr(jobs, job)(datetime.fromtimestamp(as_of, UTC))
    db.session.commit()
    seconds = time.perf_counter() - started
    db.engine.dispose()
print(json.dumps({
    "job": job, "seconds": seconds, "baseline_mb": baseline, "peak_mb": status("VmHWM"),
    "result": result,
}))
"""


@dataclass
class JobRun:
    """One job run in a child process."""

    label: str
    seconds: float
    baseline_mb: float
    peak_mb: float
    result: Any


@dataclass
class PageRun:
    """Latencies of one page, in milliseconds."""

    label: str
    url: str
    logged_in: str
    median: float
    p99: float
    mean: float
    statements: int


@dataclass
class SizeRun:
    """Everything measured at one member count."""

    members: int
    database: str
    generated: community.Figures
    jobs: list[JobRun] = field(default_factory=list)
    pages: list[PageRun] = field(default_factory=list)
    # 1-minute load average before the jobs, before the page timings and after them.
    load: list[float] = field(default_factory=list)
    command: str = ""
    server: str = ""  # the database server's version, when there is one


def run_job(url: str, job: str, label: str, as_of: int, timeout: float) -> JobRun:
    """Run a job function in a child process; its peak memory is its own."""
    print(f"  {label}...", flush=True)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, job, str(as_of)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{job} failed:\n{done.stderr[-4000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    run = JobRun(
        label,
        figures["seconds"],
        figures["baseline_mb"],
        # VmHWM, not ru_maxrss: Linux carries the parent's RSS at fork into ru_maxrss.
        figures["peak_mb"],
        figures["result"],
    )
    print(
        f"    {run.seconds:8.1f} s   peak {run.peak_mb:6.1f} MB "
        f"(baseline {run.baseline_mb:.1f} MB)   {run.result}",
        flush=True,
    )
    return run


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure_pages(url: str, requests: int, warmup: int) -> list[PageRun]:
    """Time /leaderboard in-process, logged out and as the member in each board's middle."""
    from sqlalchemy import event, func, select

    from app import create_app
    from app.accounts.models import User
    from app.badges.models import LeaderboardEntry
    from app.extensions import db
    from app.forum.models import Category

    app = create_app(
        "production",
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "RATELIMIT_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
        },
    )
    boards: list[tuple[str, str, int]] = []
    with app.app_context():
        busiest = db.session.scalars(select(Category).order_by(Category.id)).first()
        assert busiest is not None
        for period, category in (("week", None), ("month", None), ("all", None), ("all", busiest)):
            category_id = category.id if category else 0
            size = db.session.scalar(
                select(func.count()).where(
                    LeaderboardEntry.period == period, LeaderboardEntry.category_id == category_id
                )
            )
            middle = db.session.scalar(
                select(LeaderboardEntry.user_id).where(
                    LeaderboardEntry.period == period,
                    LeaderboardEntry.category_id == category_id,
                    LeaderboardEntry.position == max(1, (size or 0) // 2),
                )
            )
            user = db.session.get(User, middle)
            assert user is not None, f"empty board {period}/{category_id}"
            query = f"?period={period}" + (f"&category={category.slug}" if category else "")
            boards.append((f"/leaderboard{query}", user.get_id(), size or 0))
        db.session.remove()

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    runs: list[PageRun] = []
    for path, user_id, size in boards:
        for logged_in in (False, True):
            client = app.test_client()
            if logged_in:
                with client.session_transaction() as session:
                    session["_user_id"] = user_id
                    session["_fresh"] = True

            def get(client: Any = client, path: str = path) -> Any:
                return contextvars.Context().run(client.get, path)

            for _ in range(warmup):
                response = get()
                assert response.status_code == 200, (path, response.status_code)
            body = response.get_data(as_text=True)
            own = 'class="own-rank"' in body
            assert own == logged_in, f"own rank shown={own} for logged_in={logged_in} on {path}"
            with app.app_context():
                engine = db.engine
            event.listen(engine, "before_cursor_execute", count)
            statements.clear()
            get()
            event.remove(engine, "before_cursor_execute", count)
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                response = get()
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            member = f"rank ~{size // 2:,} of {size:,}" if logged_in else "logged out"
            run = PageRun(
                path.removeprefix("/leaderboard?"),
                path,
                member,
                statistics.median(timings),
                percentile(timings, 0.99),
                statistics.fmean(timings),
                len(statements),
            )
            print(
                f"    {run.label:<38} {member:<26} median {run.median:6.2f} ms  "
                f"p99 {run.p99:6.2f} ms  ({run.statements} statements)",
                flush=True,
            )
            runs.append(run)
    with app.app_context():
        db.engine.dispose()
    return runs


def _sqlite_file(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def prepare(members: int, url: str | None, reuse: bool) -> tuple[str, str, community.Figures]:
    """The generated database (built or reused) and the URL the runs work on."""
    if url and not url.startswith("sqlite:///"):
        figures = _reuse_figures(url, members) if reuse else None
        if figures is None:
            print(f"Generating {members:,} members into {_redact(url)}", flush=True)
            figures = community.generate(url, members)
        return url, url, figures
    source = _sqlite_file(url) if url else community.sqlite_path(members)
    assert source is not None
    meta = Path(f"{source}.json")
    if not (reuse and source.exists() and meta.exists()):
        for stale in source.parent.glob(source.name + "*"):
            stale.unlink()
        source.parent.mkdir(parents=True, exist_ok=True)
        print(f"Generating {members:,} members into {source}", flush=True)
        figures = community.generate(f"sqlite:///{source}", members)
        meta.write_text(json.dumps(figures.__dict__))
    else:
        figures = community.Figures(**json.loads(meta.read_text()))
        print(f"Reusing {source} ({figures.rows})", flush=True)
    # The jobs write (awards, notifications, boards): they work on a copy.
    work = source.with_name(f"work-{members}.db")
    for stale in work.parent.glob(work.name + "*"):
        stale.unlink()
    shutil.copyfile(source, work)
    return f"sqlite:///{source}", f"sqlite:///{work}", figures


def _reuse_figures(url: str, members: int) -> community.Figures | None:
    """Figures of an already generated non-SQLite database, if it has ``members`` members."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM users")).scalar()
            newest = connection.execute(text("SELECT max(created_at) FROM ledger_entries")).scalar()
            rows = {
                table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)
                for table in community.TABLES
            }
    except Exception:
        return None
    finally:
        engine.dispose()
    if count != members or newest is None:
        return None
    generated_at = int(newest.timestamp()) + 1
    return community.Figures(members=members, seed=0, generated_at=generated_at, rows=rows)


def _server_version(url: str) -> str:
    """PostgreSQL's version (SQLite's is in the machine line)."""
    if url.startswith("sqlite"):
        return ""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            version = str(connection.execute(text("SHOW server_version")).scalar())
    finally:
        engine.dispose()
    return f"PostgreSQL {version.split()[0]}"


def _redact(url: str) -> str:
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://…@{rest.split('@', 1)[1]}"


def bench_size(args: argparse.Namespace, members: int) -> SizeRun:
    """Every measurement at one member count."""
    source, url, figures = prepare(members, args.database_url, args.reuse)
    engine = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    run = SizeRun(members, engine, figures, server=_server_version(url))
    print(f"{members:,} members on {engine}: jobs in child processes", flush=True)
    as_of = figures.generated_at
    try:
        run.load.append(load_average())
        for job, label in (
            ("refresh_leaderboards", "refresh-leaderboards"),
            ("sweep_badges", "sweep-badges (first run: backfill)"),
            ("sweep_badges", "sweep-badges (second run: steady)"),
        ):
            run.jobs.append(run_job(url, job, label, as_of, args.job_timeout))
        print("  /leaderboard, in-process test client", flush=True)
        run.load.append(load_average())
        run.pages = measure_pages(url, args.requests, args.warmup)
        run.load.append(load_average())
    finally:
        work = _sqlite_file(url)
        if work and work != _sqlite_file(source) and not args.keep:
            for path in work.parent.glob(work.name + "*"):
                path.unlink()
    return run


def load_average() -> float:
    """The machine's 1-minute load average (other work disturbs the figures)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def machine() -> dict[str, str]:
    """Cores, memory, CPU model, OS and Python."""
    cpu, memory = "", ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    import sqlite3

    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def _goals(runs: list[SizeRun]) -> list[str]:
    """The goal rows for one database's runs."""
    lines = []
    largest = max(runs, key=lambda r: r.members)
    name = largest.database
    if largest.pages:
        worst = max(largest.pages, key=lambda p: p.median)
        ok = worst.median < TARGET_MEDIAN_MS
        lines.append(
            f"| {name}: /leaderboard median < {TARGET_MEDIAN_MS:.0f} ms at "
            f"{largest.members:,} members (own rank included) | slowest board "
            f"{worst.median:.2f} ms (`{worst.label}`, {worst.logged_in}) | "
            f"{'met' if ok else '**missed**'} |"
        )
    top = max((job.peak_mb for run in runs for job in run.jobs), default=0.0)
    if top:
        lines.append(
            f"| {name}: job peak memory < {TARGET_PEAK_MB:.0f} MB | highest {top:,.0f} MB | "
            f"{'met' if top < TARGET_PEAK_MB else '**missed**'} |"
        )
    if len(runs) > 1:
        small = min(runs, key=lambda r: r.members)
        pairs = list(zip(small.jobs, largest.jobs, strict=True))
        growth = "; ".join(f"{a.label}: {a.peak_mb:,.0f} → {b.peak_mb:,.0f} MB" for a, b in pairs)
        flat = all(b.peak_mb <= a.peak_mb * 1.25 + 10 for a, b in pairs)
        lines.append(
            f"| {name}: peak memory flat from {small.members:,} to {largest.members:,} members "
            f"(within 25% + 10 MB) | {growth} | {'met' if flat else '**missed**'} |"
        )
    return lines


def report(runs: list[SizeRun], warmup: int, requests: int) -> str:
    """The RESULTS.md section (also printed)."""
    box = machine()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    commands = list(dict.fromkeys(run.command for run in runs))
    lines = [
        f"## Leaderboard and badge sweep at scale, {now}",
        "",
        "Written by `bench/leaderboard_bench.py`. Data from `bench/community.py`: members",
        "with a power-law activity (70% never post; posts per poster Pareto, alpha 1.1,",
        "capped at 20,000), topics, replies, helpful votes (preferential attachment),",
        "accepted answers, a points ledger consistent with `users.points`, visiting days;",
        "activity over two years, skewed to recent. Jobs run in their own child process",
        "(wall time, peak RSS = VmHWM, baseline = RSS after importing the app and",
        "connecting); the page is timed in-process with Flask's test client",
        f"({warmup} warm-up requests, then {requests}), logged out and logged in as the member",
        "at the middle position of that board (so the page shows their own rank).",
        "",
        f"- Machine: {box['cores']} cores ({box['cpu']}), {box['memory']} RAM, {box['os']}",
        f"- Python {box['python']}; SQLite {box['sqlite']} (WAL, synchronous=NORMAL)"
        + "".join(f"; {v}" for v in dict.fromkeys(r.server for r in runs) if v),
        "- Config: production, rate limits off; databases on local disk",
        *(f"- Command: `{command}`" for command in commands),
        *(
            f"- Machine load, {run.database} {run.members:,} (1-minute load average): "
            + ", ".join(f"{value:.2f}" for value in run.load)
            + " (before the jobs, before and after the page timings)"
            for run in runs
        ),
        "",
        "Generated data:",
        "",
        "| members | database | topics | posts | votes | ledger entries | visits | build time |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        rows = run.generated.rows
        build = f"{run.generated.seconds:,.0f} s" if run.generated.seconds else "-"
        lines.append(
            f"| {run.members:,} | {run.database} | {rows.get('topics', 0):,} | "
            f"{rows.get('posts', 0):,} | {rows.get('post_votes', 0):,} | "
            f"{rows.get('ledger_entries', 0):,} | {rows.get('member_visits', 0):,} | {build} |"
        )
    lines += [
        "",
        "Jobs (each in a fresh child process):",
        "",
        "| members | database | job | wall time | peak RSS | baseline RSS | result |",
        "|---:|---|---|---:|---:|---:|---|",
    ]
    for run in runs:
        for job in run.jobs:
            lines.append(
                f"| {run.members:,} | {run.database} | {job.label} | {job.seconds:,.1f} s | "
                f"{job.peak_mb:,.0f} MB | {job.baseline_mb:,.0f} MB | `{json.dumps(job.result)}` |"
            )
    lines += [
        "",
        "`/leaderboard` (ms):",
        "",
        "| members | database | board | viewer | median | p99 | mean | SQL statements |",
        "|---:|---|---|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        for page in run.pages:
            lines.append(
                f"| {run.members:,} | {run.database} | `{page.label}` | {page.logged_in} | "
                f"{page.median:.2f} | {page.p99:.2f} | {page.mean:.2f} | {page.statements} |"
            )
    lines += ["", "| goal | measured | |", "|---|---|---|"]
    for database in dict.fromkeys(run.database for run in runs):
        lines += _goals([run for run in runs if run.database == database])
    return "\n".join(lines) + "\n"


def save(run: SizeRun) -> Path:
    """Keep one size's figures as JSON under bench/out/, for --combine."""
    path = community.OUT / f"leaderboard-{run.database.lower()}-{run.members}.json"
    path.write_text(json.dumps(asdict(run), indent=1))
    return path


def load(path: Path) -> SizeRun:
    data = json.loads(path.read_text())
    data["generated"] = community.Figures(**data["generated"])
    data["jobs"] = [JobRun(**job) for job in data["jobs"]]
    data["pages"] = [PageRun(**page) for page in data["pages"]]
    return SizeRun(**data)


def append_results(section: str, path: Path = RESULTS) -> None:
    """Append this section at the end, leaving every other section as it is."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    path.write_text(text.rstrip("\n") + "\n\n" + section)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark for each member count and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument(
        "--database-url", help="a database to fill (default: SQLite files under bench/out/)"
    )
    parser.add_argument("--reuse", action="store_true", help="reuse a generated database")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite work copy")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--warmup", type=int, default=WARMUP)
    parser.add_argument("--job-timeout", type=float, default=1800.0, help="seconds per job")
    parser.add_argument(
        "--combine", type=Path, nargs="*", default=[], help="saved runs to report with these"
    )
    parser.add_argument("--notes", type=Path, help="a Markdown file of remarks to add")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args(argv)
    if args.database_url and len(args.members) > 1:
        parser.error("--database-url takes one --members count")
    os.environ.setdefault("TRIBUNE_SECRET_KEY", SECRET)
    command = " ".join([".venv/bin/python", "bench/leaderboard_bench.py", *(argv or sys.argv[1:])])
    if args.database_url:
        command = command.replace(args.database_url, _redact(args.database_url))
    runs = [load(path) for path in args.combine]
    for members in args.members:
        run = bench_size(args, members)
        run.command = command
        print(f"  saved to {save(run)}", flush=True)
        runs.append(run)
    if not runs:
        parser.error("nothing to report")
    section = report(runs, args.warmup, args.requests)
    if args.notes:
        section += "\n" + args.notes.read_text().strip() + "\n"
    print()
    print(section)
    if not args.no_write:
        append_results(section)
        print(f"Appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
