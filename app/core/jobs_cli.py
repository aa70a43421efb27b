"""`tribune jobs list|run`, `tribune scheduler`, and `tribune run` with the scheduler."""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo, get_debug_flag, with_appcontext
from flask.cli import run_command as flask_run_command

from app.core.job_runs import describe_figures, mark_interrupted_runs
from app.core.scheduler import UnknownJob, jobs_with_last_run, run_job, unlock
from app.core.scheduling import build_scheduler, start_in_process, stop_scheduler
from app.extensions import db

EXIT_FAILED = 1
EXIT_SKIPPED = 2

jobs = AppGroup("jobs", help="Scheduled jobs: list them, run one by hand, unlock one.")


def parse_as_of(value: str | None) -> datetime | None:
    """A date (midnight UTC) or an ISO datetime (UTC unless it says otherwise)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(
            "use YYYY-MM-DD or an ISO datetime", param_hint="--as-of"
        ) from error
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_options(pairs: tuple[str, ...]) -> dict[str, str]:
    """KEY=VALUE pairs into keyword arguments (values stay strings; dashes become _)."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key.isidentifier() or key == "as_of":
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--option")
        options[key] = value
    return options


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


@jobs.command("list")
def list_jobs() -> None:
    """Every job with its schedule and its last run (times in UTC)."""
    rows = [("JOB", "SCHEDULE", "LAST RUN (UTC)", "OUTCOME", "FIGURES")]
    if mark_interrupted_runs():  # a dead process's runs say so, not "running"
        db.session.commit()
    for status in jobs_with_last_run(current_app):
        run = status.last_run
        figures = describe_figures(run)
        rows.append(
            (
                status.job.name,
                status.schedule,
                _when(run.started_at if run else None),
                run.outcome if run else "never run",
                figures if len(figures) <= 60 else figures[:57] + "...",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


@jobs.command("run")
@click.argument("name")
@click.option("--as-of", "as_of", help="Run as if it were this date or ISO datetime (UTC).")
@click.option(
    "--option", "-o", "options", multiple=True, metavar="KEY=VALUE", help="Pass to the job."
)
@click.pass_context
def run_one(ctx: click.Context, name: str, as_of: str | None, options: tuple[str, ...]) -> None:
    """Run the job NAME now, under its lease. Exit 1 if it failed, 2 if it was already running."""
    moment, kwargs = parse_as_of(as_of), parse_options(options)
    try:
        run = run_job(name, trigger="manual", as_of=moment, **kwargs)
    except UnknownJob as error:
        raise click.ClickException(str(error)) from error
    seconds = run.duration_seconds or 0.0
    click.echo(f"{name}: {run.outcome} in {seconds:.2f}s (run {run.id})")
    if run.figures:
        click.echo(describe_figures(run))
    if run.outcome == "failed":
        click.echo(run.error or "", err=True)
        ctx.exit(EXIT_FAILED)
    if run.outcome == "skipped":
        click.echo(f"skipped: {run.error}", err=True)
        ctx.exit(EXIT_SKIPPED)


@jobs.command("unlock")
@click.argument("name")
def unlock_one(name: str) -> None:
    """Break the lease of job NAME now (its holder is known to be dead) and mark its
    running runs interrupted. A dead holder's lease also lapses by itself within
    JOB_LEASE_SECONDS."""
    try:
        lease, interrupted = unlock(name)
    except UnknownJob as error:
        raise click.ClickException(str(error)) from error
    if lease is None:
        click.echo(f"{name}: no lease was held.")
    else:
        click.echo(
            f"{name}: lease of {lease.holder} broken (it ran until {_when(lease.expires_at)})."
        )
    if interrupted:
        click.echo(f"{interrupted} run(s) marked interrupted.")


def _configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("tribune.scheduler").setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the job scheduler in the foreground until Ctrl-C (one such process per site)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    _configure_logging()
    scheduler = build_scheduler(app, blocking=True)
    now = datetime.now(UTC)
    for job in scheduler.get_jobs():
        upcoming = job.trigger.get_next_fire_time(None, now)
        click.echo(f"{job.id}: {job.trigger}, next at {_when(upcoming)} UTC")
    if not scheduler.get_jobs():
        click.echo("No job is scheduled.")
    click.echo("Scheduler running; Ctrl-C to stop.")
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        scheduler.start()
    except KeyboardInterrupt:
        click.echo("Stopping: waiting for running jobs to finish.")
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop_scheduler(scheduler)


@click.command(
    "run",
    params=list(flask_run_command.params),
    help=(flask_run_command.help or "")
    + "\n\nTribune also starts the job scheduler here when SCHEDULER_IN_PROCESS is set.",
    short_help="Run a development server (and the job scheduler).",
)
@click.pass_context
def run_command(ctx: click.Context, **kwargs: Any) -> None:
    """Flask's `run`, starting the in-process scheduler in the serving process first."""
    info = ctx.ensure_object(ScriptInfo)
    reload = kwargs["reload"] if kwargs["reload"] is not None else get_debug_flag()
    try:
        app = info.load_app()
    except Exception:
        app = None  # Flask's run reports it (and keeps the reloader alive)
    if app is not None and app.extensions.get("tribune.base_url_default"):
        # Links in mail point where this server answers, unless BASE_URL says otherwise.
        app.config["BASE_URL"] = serving_address(kwargs["host"], kwargs["port"], kwargs["cert"])
    scheduler = start_in_process(app, use_reloader=reload) if app is not None else None
    if scheduler is not None:
        click.echo(f" * Job scheduler running in this process ({len(scheduler.get_jobs())} jobs)")
    if app is not None and not app.config["MAIL_SERVER"]:
        click.echo(f" * No MAIL_SERVER: mail is written to {Path(app.instance_path) / 'mail'}/")
    try:
        ctx.invoke(flask_run_command, **kwargs)
    finally:  # Ctrl-C, or the reloader restarting: running jobs finish first
        if scheduler is not None:
            stop_scheduler(scheduler)


def serving_address(host: str, port: int, cert: Any) -> str:
    """The address a browser on this machine opens for `tribune run --host H --port P`."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"  # every interface: the loopback one is the address to open
    elif ":" in host:
        host = f"[{host}]"
    return f"{'https' if cert else 'http'}://{host}:{port}"


def init_app(app: Flask) -> None:
    """Attach `tribune jobs` and `tribune scheduler` to the app's CLI."""
    app.cli.add_command(jobs)
    app.cli.add_command(scheduler_command)
