"""`tribune points ...`"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.badges import history, points
from app.badges import verify as ledger_facts
from app.core.events import commit


@click.group(help="The points ledger.")
def points_group() -> None:
    pass


@points_group.command("verify")
@click.option(
    "--fix", is_flag=True, help="Record what the ledger misses and set totals to their ledgers."
)
@with_appcontext
def verify(fix: bool) -> None:
    """Check the forum's facts against the ledger, and every total against its ledger."""
    missing = ledger_facts.facts_without_entries(limit=50)
    for fact, user_id, post_id, key in missing:
        detail = f", {key}" if key else ""
        click.echo(f"no ledger entry for a {fact}: member #{user_id}, post {post_id}{detail}")
    wrong = points.mismatched_totals(limit=50)
    for user_id, username, cached, ledger in wrong:
        click.echo(f"{username} (#{user_id}): total {cached}, ledger {ledger}")
    # Checks of higher packages (the rewards' spendable balances), registered at init_app.
    extra = [(check, check.problems()) for check in ledger_facts.extra_verifications()]
    for check in ledger_facts.extra_verifications():
        for note in check.notes() if check.notes else ():
            click.echo(f"{check.name}: {note}")
    for check, found in extra:
        for problem in found:
            click.echo(f"{check.name}: {problem}")
    extra_wrong = [(check, found) for check, found in extra if found]
    if not missing and not wrong and not extra_wrong:
        click.echo("Every vote, post and solution has its ledger entries; every total matches.")
        return
    if fix:
        if missing or wrong:
            figures = history.rebuild_from_history(force=True)
            click.echo(
                f"Recorded {figures['entries']} missing entries; totals set from the ledger."
            )
        for check, _found in extra_wrong:
            if check.fix is not None:
                click.echo(f"{check.name}: {check.fix()} rows set from their history.")
        commit()
        return
    raise click.ClickException(
        "the ledger and the forum disagree; run with --fix to record what is missing"
    )


@points_group.command("rebuild")
@click.option("--force", is_flag=True, help="Look for missing entries even if nothing changed.")
@with_appcontext
def rebuild(force: bool) -> None:
    """Record every past topic, reply, vote and solution missing from the ledger, at its date.

    Then totals are set from the ledger, badges swept and leaderboards refreshed. Run it
    after an import; it is safe to run again (nothing is recorded twice), and when
    nothing changed since the last rebuild it says so at once.
    """
    figures = history.rebuild_from_history(force=force)
    commit()
    if figures["unchanged"]:
        click.echo("Nothing to add: the history has not changed since the last rebuild.")
        return
    click.echo(
        f"Recorded {figures['entries']} ledger entries; "
        f"{figures['granted']} badges granted, {figures['revoked']} revoked; "
        f"{figures['leaderboard_rows']} leaderboard rows."
    )
