"""Leases that survive crashes: a heartbeat while a job runs, lapse after a kill -9,
`tribune jobs unlock`, and a scheduler that catches up a missed daily run once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.core.clock import now_utc
from app.core.job_runs import JobRun
from app.core.leases import current_lease
from app.core.scheduler import Job, register_job, run_job
from app.core.scheduling import build_scheduler
from app.extensions import db

PROJECT = Path(__file__).resolve().parents[2]


def _runs(name: str) -> list[JobRun]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(JobRun).where(JobRun.job_name == name).order_by(JobRun.id))
    )


def test_a_running_job_keeps_its_lease_past_its_length(app):
    app.config.update(JOB_LEASE_SECONDS=1, JOB_HEARTBEAT_SECONDS=0.2)
    started, finish = threading.Event(), threading.Event()

    def slow(as_of=None, **options):
        started.set()
        finish.wait(10)
        return {}

    register_job(app, Job("slow-sweep", slow, cron="0 3 * * *"))
    outcome: list[str] = []

    def run_in_thread() -> None:
        with app.app_context():
            outcome.append(run_job("slow-sweep").outcome)
            db.session.remove()

    runner = threading.Thread(target=run_in_thread)
    runner.start()
    assert started.wait(10)
    time.sleep(2.5)  # more than twice the lease: only the heartbeat keeps it
    second = run_job("slow-sweep")
    finish.set()
    runner.join(10)

    assert second.outcome == "skipped"
    assert outcome == ["success"]
    assert current_lease("slow-sweep") is None


_HOLDER = """
import sys, time
from app import create_app
from app.core.scheduler import Job, register_job, run_job

def stuck(as_of=None, **options):
    print("running", flush=True)
    time.sleep(600)

app = create_app("testing", {"DATABASE_URL": sys.argv[1], "JOB_LEASE_SECONDS": 2,
                             "JOB_HEARTBEAT_SECONDS": 0.5})
register_job(app, Job("nightly-stuck", stuck, cron="0 3 * * *"))
with app.app_context():
    run_job("nightly-stuck", trigger="schedule")
"""


def _start_holder(database_url: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_HOLDER), database_url],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "running"
    return process


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert process.stdout is not None
    process.stdout.close()


def test_a_job_killed_halfway_loses_its_lease_within_the_lease_time(app, database_url):
    app.config.update(JOB_LEASE_SECONDS=2, JOB_HEARTBEAT_SECONDS=0.5)
    done: list[str] = []
    register_job(app, Job("nightly-stuck", lambda **kw: done.append("rerun"), cron="0 3 * * *"))
    holder = _start_holder(database_url)
    time.sleep(2.5)  # the living holder renews its lease past its length
    assert run_job("nightly-stuck").outcome == "skipped"

    _kill(holder)
    killed_at = time.monotonic()
    while (rerun := run_job("nightly-stuck")).outcome == "skipped":
        assert time.monotonic() - killed_at < 10, "the dead holder's lease never lapsed"
        time.sleep(0.5)

    assert rerun.outcome == "success" and done == ["rerun"]
    killed = _runs("nightly-stuck")[0]
    assert killed.trigger == "schedule"
    assert killed.outcome == "interrupted" and killed.finished_at is not None


def test_jobs_unlock_breaks_a_dead_holders_lease_at_once(app, database_url):
    register_job(app, Job("nightly-stuck", lambda **kw: {}, cron="0 3 * * *"))
    holder = _start_holder(database_url)
    _kill(holder)  # its lease (2 s here; minutes in production) has not lapsed yet
    assert run_job("nightly-stuck").outcome == "skipped"
    runner = app.test_cli_runner()

    unlocked = runner.invoke(args=["jobs", "unlock", "nightly-stuck"])

    assert unlocked.exit_code == 0, unlocked.output
    assert "lease of" in unlocked.output and "1 run(s) marked interrupted" in unlocked.output
    assert run_job("nightly-stuck").outcome == "success"
    again = runner.invoke(args=["jobs", "unlock", "nightly-stuck"])
    assert again.exit_code == 0 and "no lease was held" in again.output
    unknown = runner.invoke(args=["jobs", "unlock", "no-such-job"])
    assert unknown.exit_code == 1 and "no job named" in unknown.output


def _run_at(name: str, started: datetime, outcome: str = "success") -> None:
    db.session.add(
        JobRun(job_name=name, holder="h", started_at=started, finished_at=started,
               outcome=outcome, figures={})
    )  # fmt: skip
    db.session.commit()


def _catch_ups(app) -> list[str]:
    scheduler = build_scheduler(app)
    return sorted(job.id for job in scheduler.get_jobs() if job.id.endswith(":catch-up"))


def test_a_scheduler_started_after_a_missed_nightly_run_runs_it_once(app):
    register_job(app, Job("nightly-a", lambda **kw: {}, cron="0 3 * * *"))
    register_job(app, Job("nightly-b", lambda **kw: {}, cron="0 3 * * *"))
    register_job(app, Job("nightly-c", lambda **kw: {}, cron="0 3 * * *"))
    today_3am = now_utc().replace(hour=3, minute=0, second=0, microsecond=0)
    last_fire = today_3am if today_3am <= now_utc() else today_3am - timedelta(days=1)
    _run_at("nightly-a", last_fire - timedelta(days=3))  # three nights missed: one catch-up
    _run_at("nightly-b", last_fire + timedelta(seconds=1))  # ran on time
    _run_at("nightly-c", last_fire + timedelta(seconds=1), outcome="running")  # killed

    assert [name for name in _catch_ups(app) if name.startswith("nightly")] == [
        "nightly-a:catch-up",
        "nightly-c:catch-up",
    ]
    (killed,) = _runs("nightly-c")
    assert killed.outcome == "interrupted"


def test_a_new_site_has_missed_nothing(app):
    register_job(app, Job("nightly-a", lambda **kw: {}, cron="0 3 * * *"))
    assert _catch_ups(app) == []
    assert datetime.now(UTC)  # the scheduler was built without touching any job
