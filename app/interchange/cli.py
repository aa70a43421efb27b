"""`tribune import jsonl DIR` and `tribune export jsonl DIR`."""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext

from app.core.events import commit
from app.interchange import claims, exporter
from app.interchange.importer import Importer
from app.interchange.reader import FolderError
from app.interchange.stackexchange import Dump, DumpError

MAX_ERRORS_SHOWN = 100


def _progress(name: str, total: int) -> Any:
    return click.progressbar(length=total, label=f"{name:<11}", file=sys.stderr)


@click.group("import", help="Bring an existing community in.")
def import_group() -> None:
    pass


def _workers_option(command: Any) -> Any:
    return click.option(
        "--workers", type=click.IntRange(0, 64), default=min(4, os.cpu_count() or 1),
        show_default=True, help="Processes cooking Markdown and HTML bodies (0: none).",
    )(command)  # fmt: skip


def _report_option(command: Any) -> Any:
    return click.option(
        "--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
        help="Where every refused record is written, when there is any "
        "(default: import-refused-SOURCE.txt in the temporary folder).",
    )(command)  # fmt: skip


@import_group.command("jsonl")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_workers_option
@_report_option
@with_appcontext
def import_jsonl(folder: Path, workers: int, report_path: Path | None) -> None:
    """Import an interchange folder (docs/import-format.md). Safe to run again."""
    started = time.perf_counter()
    try:
        importer = Importer.from_folder(folder, progress=_progress, workers=workers)
    except FolderError as error:
        raise click.ClickException(str(error)) from error
    _run(importer, started, report_path)


def _run(importer: Importer, started: float, report_path: Path | None = None,
         absent_from: str = "the source") -> None:  # fmt: skip
    """Import, then say what went in and what was refused (exit 1 if anything was).

    Rows about what the source does not hold (a deleted post's votes) are counted as
    "not in the source", not refused. The console shows the first MAX_ERRORS_SHOWN
    refusals; the report file holds them all."""
    reports = importer.run()
    commit()
    refused = [(where, message) for report in reports for where, message in report.errors]
    for where, message in refused[:MAX_ERRORS_SHOWN]:
        click.echo(f"{where}: {message}", err=True)
    if len(refused) > MAX_ERRORS_SHOWN:
        click.echo(f"... and {len(refused) - MAX_ERRORS_SHOWN} more", err=True)
    click.echo(f"Imported in {time.perf_counter() - started:.1f} s:")
    for report in reports:
        skipped = f"  {report.skipped:>7} not taken" if report.skipped else ""
        absent = f"  {report.absent:>7} skipped: not in {absent_from}" if report.absent else ""
        click.echo(f"  {report.name:<11} {report.imported:>9} new  {report.known:>9} already in"
                   f"  {len(report.errors):>7} refused{skipped}{absent}")  # fmt: skip
    click.echo("Points, badges and leaderboards were rebuilt from the history.")
    if refused:
        path = report_path or Path(tempfile.gettempdir()) / f"import-refused-{importer.source}.txt"
        with path.open("w", encoding="utf-8") as out:
            out.writelines(f"{where}: {message}\n" for where, message in refused)
        click.echo(f"Every refused record ({len(refused)}) is listed in {path}.", err=True)
        sys.exit(1)


@import_group.command("stackexchange")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--categories",
    type=click.Choice(["one", "top-tags"]),
    default="one",
    show_default=True,
    help="One category, or one per most used tag (and Other).",
)
@click.option(
    "--top-tags",
    type=click.IntRange(1, 100),
    default=10,
    show_default=True,
    help="How many tags get a category, with --categories top-tags.",
)
@click.option("--category-name", help="The one category's name (default: the folder's).")
@click.option("--source", help="The name ids are remembered under (default: the folder's).")
@_workers_option
@_report_option
@with_appcontext
def import_stackexchange(folder: Path, categories: str, top_tags: int,
                         category_name: str | None, source: str | None,
                         workers: int, report_path: Path | None) -> None:  # fmt: skip
    """Import a Stack Exchange data dump (Users.xml, Posts.xml, ...). Safe to run again."""
    started = time.perf_counter()
    source = source or re.sub(r"[^A-Za-z0-9._:-]+", "-", folder.resolve().name)[:64] or "dump"
    try:
        dump = Dump(folder, categories=categories, top_tags=top_tags,
                    category_name=category_name)  # fmt: skip
        importer = Importer(source, dump.sources(), progress=_progress, shared_post_ids=True,
                            workers=workers)  # fmt: skip
        if (folder / "Badges.xml").is_file():
            click.echo("Badges.xml is not imported: badges are earned again from the history.")
        _run(importer, started, report_path, absent_from="the dump")
    except DumpError as error:
        raise click.ClickException(str(error)) from error


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


@click.command("set-emails")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--source", help="The import whose source ids the file gives (if several).")
@with_appcontext
def set_emails_command(file: Any, source: str | None) -> None:
    """Give imported members their real addresses: CSV lines of source id (or username),
    email. Then each can claim the account with a reset link. Bad lines are reported."""
    report = claims.set_emails(file, source)
    commit()
    for line, message in report.errors:
        click.echo(f"{file.name}:{line}: {message}", err=True)
    click.echo(f"{report.changed} addresses set, {report.unchanged} unchanged, "
               f"{len(report.errors)} lines refused.")  # fmt: skip
    if report.errors:
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(import_group)
    app.cli.add_command(export_group)
    # `tribune users set-emails`: in the accounts' group, here because it reads the ids
    # imports remembered.
    users = app.cli.commands.get("users")
    if isinstance(users, click.Group):
        users.add_command(set_emails_command)
