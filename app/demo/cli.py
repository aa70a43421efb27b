"""`tribune seed-demo`: the demo community of `make run`."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from typing import Any

import click
from flask.cli import with_appcontext

from app.core import events
from app.core.event_payloads import HistoryImported
from app.core.scheduler import registered_jobs, run_job
from app.demo import seed as demo
from app.demo.rewards import seed_rewards


def _progressbar(label: str, length: int) -> AbstractContextManager[Any]:
    return click.progressbar(length=length, label=label)


AMBASSADOR_JOB = "identify-ambassadors"
HEALTH_JOB = "community-health"  # after the ambassadors, for its segments


@click.command("seed-demo")
@click.option(
    "--users",
    type=click.IntRange(min=10),
    default=300,
    show_default=True,
    help="Members to create; about 5 posts and 1 topic per member.",
)
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed.")
@with_appcontext
def seed_demo(users: int, seed: int) -> None:
    """Fill an empty forum with a demo community for Caféo, a coffee-machine brand."""
    started = time.perf_counter()
    summary = demo.seed_demo(users, seed, progress=_progressbar)
    if summary is None:
        click.echo("The database already has data; nothing seeded.")
        return
    # Points, badges and leaderboards are derived from the seeded history, once it is
    # committed, by the packages that keep them (the forum does not know them).
    events.queue(HistoryImported())
    events.commit()
    # A rewards catalogue members can spend their points on.
    rewards = seed_rewards()
    events.commit()
    # Then the nightly evaluation (a registered job, whoever registered it), so the demo
    # has its ambassadors from the start.
    evaluation = None
    if AMBASSADOR_JOB in registered_jobs():
        evaluation = run_job(AMBASSADOR_JOB)
    # And the community-health dashboard's figures, so /manage/health shows something.
    if HEALTH_JOB in registered_jobs():
        run_job(HEALTH_JOB)
    elapsed = time.perf_counter() - started
    click.echo(f"Seeded in {elapsed:.1f} s:")
    click.echo(f"  members          {summary.members}")
    click.echo(f"  categories       {summary.categories}")
    click.echo(f"  topics           {summary.topics}")
    click.echo(f"  posts            {summary.posts}")
    click.echo(f"  helpful votes    {summary.votes}")
    click.echo(f"  accepted answers {summary.accepted}")
    click.echo(f"  rewards          {rewards}")
    click.echo(
        f"  top 1% ({summary.top_members} members) wrote {summary.top_share:.1%} of the posts"
    )
    if evaluation is not None and evaluation.outcome == "success":
        click.echo(f"  ambassadors      {evaluation.figures.get('promoted', 0)}")
    if summary.logins:
        click.echo(f"Demo logins (password: {demo.PASSWORD}):")
        for username, role in summary.logins:
            click.echo(f"  {username:<16} {role}")
