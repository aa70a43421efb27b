"""`tribune points ...`"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.badges import history, points
from app.extensions import db


@click.group(help="The points ledger.")
def points_group() -> None:
    pass


@points_group.command("verify")
@click.option("--fix", is_flag=True, help="Set every differing total to its ledger sum.")
@with_appcontext
def verify(fix: bool) -> None:
    """Recompute every member's total from the ledger and report differences."""
    wrong = points.mismatched_totals(limit=50)
    if not wrong:
        click.echo("Every total matches its ledger.")
        return
    for user_id, username, cached, ledger in wrong:
        click.echo(f"{username} (#{user_id}): total {cached}, ledger {ledger}")
    if fix:
        changed = points.fix_totals()
        db.session.commit()
        click.echo(f"Fixed {changed} totals.")
        return
    raise click.ClickException("totals differ from the ledger; run with --fix to repair them")


@points_group.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Record every past topic, reply, vote and solution missing from the ledger, at its date.

    Then totals are set from the ledger, badges swept and leaderboards refreshed. Run it
    after an import; it is safe to run again (nothing is recorded twice).
    """
    figures = history.rebuild_from_history()
    click.echo(
        f"Recorded {figures['entries']} ledger entries; "
        f"{figures['granted']} badges granted, {figures['revoked']} revoked; "
        f"{figures['leaderboard_rows']} leaderboard rows."
    )
