"""Scheduled jobs: registry, runs, the database lease, the CLI and APScheduler wiring."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask.cli import ScriptInfo
from sqlalchemy import select

from app.core import jobs_cli, scheduler, scheduling
from app.core.clock import now_utc
from app.core.job_runs import JobRun
from app.core.leases import JobLease, acquire_lease, release_lease
from app.core.scheduler import Job, UnknownJob, jobs_with_last_run, register_job, run_job
from app.core.scheduling import build_scheduler
from app.extensions import db


def _counting_job(calls: list[dict[str, Any]]) -> Any:
    def count(as_of: datetime | None = None, **options: Any) -> dict[str, int | float | str]:
        calls.append({"as_of": as_of, **options})
        return {"counted": len(calls), "ratio": 0.5}

    return count


def _fail(as_of: datetime | None = None, **options: Any) -> dict[str, int]:
    db.session.add(JobLease(job_name="half-done", holder="x", expires_at=now_utc()))
    db.session.flush()
    raise RuntimeError("the sweep broke")


def _runs(name: str) -> list[JobRun]:
    return list(
        db.session.scalars(select(JobRun).where(JobRun.job_name == name).order_by(JobRun.id))
    )


def _leases() -> list[JobLease]:
    return list(db.session.scalars(select(JobLease)))


@pytest.fixture
def calls(app) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    register_job(app, Job("count-things", _counting_job(found), cron="0 3 * * *"))
    return found


def test_a_job_run_is_recorded_with_its_figures(app, calls):
    as_of = datetime(2026, 5, 1, tzinfo=UTC)
    run = run_job("count-things", as_of=as_of, limit="5")

    assert calls == [{"as_of": as_of, "limit": "5"}]
    (stored,) = _runs("count-things")
    assert stored.id == run.id
    assert (stored.outcome, stored.trigger, stored.figures) == (
        "success",
        "manual",
        {"counted": 1, "ratio": 0.5},
    )
    assert stored.error is None
    assert stored.started_at <= stored.finished_at
    assert _leases() == []


def test_a_failing_job_is_recorded_rolled_back_and_releases_its_lease(app):
    register_job(app, Job("break", _fail, interval_seconds=60))

    run = run_job("break", trigger="schedule")

    assert run.outcome == "failed"
    assert "RuntimeError: the sweep broke" in run.error
    assert run.finished_at is not None
    assert _runs("break")[0].outcome == "failed"
    assert _leases() == []  # neither the job's half-done row nor the lease remain


def test_unknown_job(app):
    with pytest.raises(UnknownJob, match="prune-job-runs"):
        run_job("no-such-job")


def test_job_definitions_are_checked(app, calls):
    with pytest.raises(ValueError, match="kebab-case"):
        Job("Sweep_Badges", _fail, cron="0 3 * * *")
    with pytest.raises(ValueError, match="exactly one"):
        Job("sweep", _fail, cron="0 3 * * *", interval_seconds=5)
    with pytest.raises(ValueError):
        Job("sweep", _fail, cron="every day")
    with pytest.raises(ValueError, match="already registered"):
        register_job(app, Job("count-things", _fail, cron="0 3 * * *"))


def test_a_held_lease_skips_the_run(app, calls):
    assert acquire_lease("count-things", "otherhost:1:abc", 600)

    run = run_job("count-things")

    assert calls == []
    assert run.outcome == "skipped"
    assert "otherhost:1:abc" in run.error
    assert [lease.holder for lease in _leases()] == ["otherhost:1:abc"]  # left alone
    assert not release_lease("count-things", "someone-else")
    assert release_lease("count-things", "otherhost:1:abc")
    assert run_job("count-things").outcome == "success"


def test_an_expired_lease_is_taken_over_and_its_run_marked_interrupted(app, calls):
    # A process died halfway: its run says "running" and its lease has expired.
    dead = "deadhost:9:dead"
    db.session.add(JobRun(job_name="count-things", holder=dead, started_at=now_utc(), figures={}))
    db.session.add(
        JobLease(job_name="count-things", holder=dead, expires_at=now_utc() - timedelta(seconds=1))
    )
    db.session.commit()

    run = run_job("count-things")

    assert run.outcome == "success"
    interrupted, rerun = _runs("count-things")
    assert (interrupted.outcome, rerun.id) == ("interrupted", run.id)
    assert "interrupted" in interrupted.error
    assert interrupted.finished_at is not None
    assert _leases() == []


def test_lease_acquisition(app):
    assert acquire_lease("a-job", "one", 60)
    assert not acquire_lease("a-job", "two", 60)
    assert acquire_lease("b-job", "two", 60)
    db.session.execute(db.update(JobLease).values(expires_at=now_utc() - timedelta(seconds=5)))
    db.session.commit()
    assert acquire_lease("a-job", "two", 60)
    assert db.session.get(JobLease, "a-job", populate_existing=True).holder == "two"


def test_two_runs_at_once_one_runs_one_is_skipped(app):
    skipped = threading.Event()
    entered = threading.Barrier(2)

    def slow(as_of: datetime | None = None, **options: Any) -> dict[str, int]:
        skipped.wait(timeout=5)  # hold the lease until the other run has given up
        return {"done": 1}

    register_job(app, Job("slow-job", slow, interval_seconds=60))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            with app.app_context():
                entered.wait(timeout=5)
                outcome = run_job("slow-job").outcome
                outcomes.append(outcome)
                if outcome == "skipped":
                    skipped.set()
                db.session.remove()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
            skipped.set()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(outcomes) == ["skipped", "success"]
    assert sorted(run.outcome for run in _runs("slow-job")) == ["skipped", "success"]
    assert _leases() == []


def test_jobs_list_shows_schedule_and_last_real_run(app, calls, count_queries):
    run_job("count-things")
    acquire_lease("count-things", "elsewhere", 60)
    run_job("count-things")  # skipped: not what "last run" shows

    with count_queries() as counter:
        statuses = {status.job.name: status for status in jobs_with_last_run(app)}
    assert counter.count == 1
    assert statuses["count-things"].schedule == "0 3 * * *"
    assert statuses["count-things"].last_run.outcome == "success"
    assert statuses["prune-job-runs"].last_run is None

    result = app.test_cli_runner().invoke(args=["jobs", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["JOB", "SCHEDULE", "LAST", "RUN", "(UTC)", "OUTCOME", "FIGURES"]
    (count_line,) = [line for line in lines if line.startswith("count-things")]
    assert "success" in count_line and "counted=1 ratio=0.5" in count_line
    assert "never run" in next(line for line in lines if line.startswith("prune-job-runs"))


def test_jobs_run_command_exit_codes(app, calls):
    runner = app.test_cli_runner()
    register_job(app, Job("break", _fail, interval_seconds=60))

    ok = runner.invoke(args=["jobs", "run", "count-things", "--as-of", "2026-05-01", "-o", "x=1"])
    assert ok.exit_code == 0, ok.output
    assert "count-things: success" in ok.output and "counted=1" in ok.output
    assert calls == [{"as_of": datetime(2026, 5, 1, tzinfo=UTC), "x": "1"}]

    failed = runner.invoke(args=["jobs", "run", "break"])
    assert failed.exit_code == 1
    assert "the sweep broke" in failed.output

    acquire_lease("count-things", "elsewhere", 60)
    held = runner.invoke(args=["jobs", "run", "count-things"])
    assert held.exit_code == 2
    assert "elsewhere" in held.output

    unknown = runner.invoke(args=["jobs", "run", "nope"])
    assert unknown.exit_code == 1
    assert "'nope'" in unknown.output and "count-things" in unknown.output

    bad = runner.invoke(args=["jobs", "run", "count-things", "--option", "novalue"])
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.output


def test_as_of_parsing():
    assert jobs_cli.parse_as_of("2026-05-01") == datetime(2026, 5, 1, tzinfo=UTC)
    assert jobs_cli.parse_as_of("2026-05-01T12:30:00+02:00") == datetime(
        2026, 5, 1, 10, 30, tzinfo=UTC
    )


def test_prune_job_runs_deletes_only_old_finished_runs(app):
    now = now_utc()

    def add(days_ago: int, outcome: str = "success") -> None:
        started = now - timedelta(days=days_ago)
        db.session.add(
            JobRun(job_name="x", holder="h", outcome=outcome, started_at=started, figures={})
        )

    add(200)
    add(91, "failed")
    add(91, "running")
    add(89)
    db.session.commit()

    run = run_job("prune-job-runs")

    assert (run.outcome, run.figures) == ("success", {"deleted": 2})
    left = db.session.scalars(select(JobRun.outcome).where(JobRun.job_name == "x")).all()
    assert sorted(left) == ["running", "success"]
    again = run_job("prune-job-runs", keep_days="1")
    assert again.figures == {"deleted": 1}


def test_build_scheduler_has_one_entry_per_enabled_job(app, calls):
    register_job(app, Job("tick", _fail, interval_seconds=600))
    register_job(app, Job("off", _fail, interval_seconds=600))
    app.config["JOB_SCHEDULES"] = {"count-things": "30 1 * * 1"}
    app.config["JOBS_DISABLED"] = ("off",)

    built = build_scheduler(app)

    entries = {job.id: job for job in built.get_jobs()}
    assert set(entries) == set(scheduler.registered_jobs(app)) - {"off"}
    assert {"prune-job-runs", "count-things", "tick"} <= set(entries)
    assert isinstance(entries["count-things"].trigger, CronTrigger)
    assert str(entries["count-things"].trigger) == str(
        CronTrigger.from_crontab("30 1 * * 1", timezone=UTC)
    )
    assert isinstance(entries["tick"].trigger, IntervalTrigger)
    assert entries["tick"].trigger.interval == timedelta(seconds=600)
    statuses = {status.job.name: status.schedule for status in jobs_with_last_run(app)}
    assert statuses["off"] == "manual only" and statuses["tick"] == "every 600s"

    app.config["JOBS_DISABLED"] = ("typo-job",)
    with pytest.raises(UnknownJob, match="typo-job"):
        build_scheduler(app)


def test_the_background_scheduler_runs_a_job(app, caplog):
    caplog.set_level(logging.INFO, logger="tribune.scheduler")
    done = threading.Event()

    def tick(as_of: datetime | None = None, **options: Any) -> dict[str, int]:
        done.set()
        return {"ticks": 1}

    register_job(app, Job("tick", tick, interval_seconds=3600))
    background = build_scheduler(app)
    background.start()
    try:
        background.modify_job("tick", next_run_time=datetime.now(UTC))
        assert done.wait(timeout=5)
    finally:
        scheduling.stop_scheduler(background)
    (run,) = _runs("tick")
    assert (run.outcome, run.trigger, run.figures) == ("success", "schedule", {"ticks": 1})
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == [
        "job tick: success ticks=1"
    ]


def test_start_in_process_only_where_configured_and_serving(app, monkeypatch):
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert scheduling.start_in_process(app, use_reloader=False) is None  # TestConfig: off

    app.config["SCHEDULER_IN_PROCESS"] = True
    assert scheduling.start_in_process(app, use_reloader=True) is None  # the reloader's parent
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    started = scheduling.start_in_process(app, use_reloader=True)
    try:
        assert isinstance(started, BackgroundScheduler) and started.running
    finally:
        scheduling.stop_scheduler(started)
    scheduling.stop_scheduler(started)  # twice is fine


def test_tribune_run_starts_the_scheduler_then_serves(app, monkeypatch):
    served: list[tuple[Any, ...]] = []
    started: list[bool] = []
    monkeypatch.setattr(
        "flask.cli.run_simple", lambda host, port, served_app, **kw: served.append((host, port))
    )
    monkeypatch.setattr(
        jobs_cli, "start_in_process", lambda a, use_reloader: started.append(use_reloader) or None
    )
    runner = app.test_cli_runner()

    result = runner.invoke(
        jobs_cli.run_command,
        ["--host", "127.0.0.1", "--port", "5001", "--no-reload"],
        obj=ScriptInfo(create_app=lambda: app),
    )

    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 5001)]
    assert started == [False]


def test_tribune_run_stops_its_scheduler_when_the_server_stops(app, monkeypatch):
    """No exit handler keeps the app: `tribune run` stops what it started, Ctrl-C or not."""

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("flask.cli.run_simple", interrupted)
    app.config["SCHEDULER_IN_PROCESS"] = True
    started: list[BackgroundScheduler] = []

    def start(a: Any, use_reloader: bool) -> BackgroundScheduler | None:
        started.append(scheduling.start_in_process(a, use_reloader=use_reloader))
        return started[-1]

    monkeypatch.setattr(jobs_cli, "start_in_process", start)
    app.test_cli_runner().invoke(
        jobs_cli.run_command, ["--no-reload"], obj=ScriptInfo(create_app=lambda: app)
    )
    assert len(started) == 1 and isinstance(started[0], BackgroundScheduler)
    assert not started[0].running


def test_scheduler_command_lists_jobs_and_stops_on_ctrl_c(app, calls, monkeypatch):
    def interrupted(self: Any, *args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("apscheduler.schedulers.blocking.BlockingScheduler.start", interrupted)

    result = app.test_cli_runner().invoke(args=["scheduler"])

    assert result.exit_code == 0, result.output
    assert "count-things: cron" in result.output and "prune-job-runs" in result.output
    assert "Stopping" in result.output
