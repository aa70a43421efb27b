"""`tribune signals ...`, `tribune tokens ...` and `tribune ambassadors ...`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from app.accounts import tokens
from app.accounts.services import AccountError
from app.ambassadors import export, queries, signals
from app.ambassadors.models import SEGMENTS
from app.core.events import commit
from app.extensions import db

MAX_ERRORS_SHOWN = 200


@click.group(help="Signals from outside the forum (purchases, reviews, referrals...).")
def signals_group() -> None:
    pass


@signals_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_signals(file: Path) -> None:
    """Import a CSV: email or customer_id, kind, value, occurred_at, source[, id].

    Good rows go in even when others are refused; the refused ones are listed with
    their line. Importing the same file twice adds nothing. Exit status 1 if any row
    was refused.
    """
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream:
            report = signals.import_rows(signals.csv_rows(stream))
        commit()
    except signals.SignalError as error:
        db.session.rollback()
        raise click.ClickException(f"{file}: {error.message}") from error
    except UnicodeDecodeError as error:
        db.session.rollback()
        raise click.ClickException(f"{file}: not UTF-8 text ({error.reason})") from error
    for row_error in report.errors[:MAX_ERRORS_SHOWN]:
        click.echo(f"{file}:{row_error.where}: {row_error.field}: {row_error.message}", err=True)
    if report.refused > MAX_ERRORS_SHOWN:
        click.echo(f"... and {report.refused - MAX_ERRORS_SHOWN} more refused rows", err=True)
    click.echo(
        f"Imported {report.imported} signals; {report.duplicates} already known; "
        f"{report.refused} refused."
    )
    if report.refused:
        sys.exit(1)


@click.group(help="Staff API tokens.")
def tokens_group() -> None:
    pass


@tokens_group.command("create")
@click.argument("name")
@with_appcontext
def create_token(name: str) -> None:
    """Create a token and print it (the only time it is shown)."""
    try:
        _, secret = tokens.create_token(name, created_by=None)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.field}: {error.message}") from error
    commit()
    click.echo(secret)
    click.echo("Keep it now: only its hash is stored.", err=True)


@tokens_group.command("list")
@with_appcontext
def list_tokens() -> None:
    """Every token: name, prefix, created, last used, revoked."""
    for token in tokens.list_tokens():
        used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never"
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        click.echo(f"{token.id}\t{token.name}\t{token.prefix}…\t{token.created_at:%Y-%m-%d}\t"
                   f"last used {used}\t{state}")  # fmt: skip


@tokens_group.command("revoke")
@click.argument("name")
@with_appcontext
def revoke_token(name: str) -> None:
    """Revoke the newest active token with this name."""
    token = tokens.token_by_name(name)
    if token is None:
        raise click.ClickException(f"name: no active token named {name!r}")
    tokens.revoke_token(token)
    commit()
    click.echo(f"Revoked {token.name} ({token.prefix}…).")


@click.group(help="Ambassadors and segments.")
def ambassadors_group() -> None:
    pass


@ambassadors_group.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True
)
@click.option("--segment", type=click.Choice(SEGMENTS), help="Only this segment.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of standard output.")  # fmt: skip
@with_appcontext
def export_members(fmt: str, segment: str | None, output: Path | None) -> None:
    """Segment members of the last run, with score, rank and breakdown, for a CRM."""
    run = queries.latest_run()
    if run is None:
        raise click.ClickException("no ambassador run yet: tribune jobs run identify-ambassadors")
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "csv":
            export.write_csv(stream, run, segment)
        else:
            for record in export.members(run, segment):
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if output:
            stream.close()


def init_app(app: Flask) -> None:
    app.cli.add_command(signals_group, "signals")
    app.cli.add_command(tokens_group, "tokens")
    app.cli.add_command(ambassadors_group, "ambassadors")
