"""`tribune import jsonl DIR` and `tribune export jsonl DIR`."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext

from app.interchange import exporter
from app.interchange.importer import Importer
from app.interchange.reader import FolderError

MAX_ERRORS_SHOWN = 100


def _progress(name: str, total: int) -> Any:
    return click.progressbar(length=total, label=f"{name:<11}", file=sys.stderr)


@click.group("import", help="Bring an existing community in.")
def import_group() -> None:
    pass


@import_group.command("jsonl")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def import_jsonl(folder: Path) -> None:
    """Import an interchange folder (docs/import-format.md). Safe to run again."""
    started = time.perf_counter()
    try:
        reports = Importer(folder, progress=_progress).run()
    except FolderError as error:
        raise click.ClickException(str(error)) from error
    refused = 0
    for report in reports:
        for line, message in report.errors[:MAX_ERRORS_SHOWN]:
            click.echo(f"{folder / report.name}.jsonl:{line}: {message}", err=True)
        if len(report.errors) > MAX_ERRORS_SHOWN:
            click.echo(f"... and {len(report.errors) - MAX_ERRORS_SHOWN} more", err=True)
        refused += len(report.errors)
    click.echo(f"Imported in {time.perf_counter() - started:.1f} s:")
    for report in reports:
        click.echo(f"  {report.name:<11} {report.imported:>9} new  {report.known:>9} already in"
                   f"  {len(report.errors):>7} refused")  # fmt: skip
    if refused:
        sys.exit(1)


@click.group("export", help="Write the community out.")
def export_group() -> None:
    pass


@export_group.command("jsonl")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--source", default="tribune", show_default=True,
              help="The source name written in the manifest.")  # fmt: skip
@with_appcontext
def export_jsonl(folder: Path, source: str) -> None:
    """Write the whole community as an interchange folder (no password hashes)."""
    if folder.exists() and any(folder.iterdir()):
        raise click.ClickException(f"{folder}: not empty; export into a new folder")
    counts = exporter.export(folder, source)
    for name, count in counts.items():
        click.echo(f"  {name:<11} {count:>9}")


def init_app(app: Flask) -> None:
    app.cli.add_command(import_group)
    app.cli.add_command(export_group)
