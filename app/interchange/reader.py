"""Reading an interchange folder: the manifest and JSON Lines files, one line at a time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT = "tribune-interchange"
VERSION = 1
# Files in the order they are imported (later ones refer to earlier ones).
FILES = ("members", "categories", "topics", "posts", "votes", "accepted", "badges", "signals")
_SOURCE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RecordError(ValueError):
    """A record that cannot be imported; the message names the field."""


class FolderError(ValueError):
    """The folder itself is unusable (no manifest, another format)."""


@dataclass(frozen=True)
class Manifest:
    source: str
    version: int


def read_manifest(folder: Path) -> Manifest:
    path = folder / "manifest.json"
    if not path.is_file():
        raise FolderError(f"{path}: missing (it names the format and the source system)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise FolderError(f"{path}: not JSON ({error})") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FolderError(f'{path}: "format" must be "{FORMAT}"')
    if data.get("version") != VERSION:
        raise FolderError(f'{path}: "version" {data.get("version")!r} is not {VERSION}')
    source = data.get("source")
    if not isinstance(source, str) or not _SOURCE.match(source):
        raise FolderError(f'{path}: "source" must be a short name such as "old-forum"')
    return Manifest(source=source, version=VERSION)


def records(path: Path) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    """(line number, record) for each non-blank line; a RecordError for a broken line."""
    with path.open(encoding="utf-8", errors="strict") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as error:
                yield number, RecordError(f"not JSON: {error.msg}")
                continue
            if not isinstance(value, dict):
                yield number, RecordError("a line must hold one JSON object")
                continue
            yield number, value


def count_lines(path: Path) -> int:
    """How many records a file holds, for the progress bar (reads it once, fast)."""
    with path.open("rb") as stream:
        return sum(1 for line in stream if line.strip())


# -- fields ---------------------------------------------------------------------------


def text(record: dict[str, Any], name: str, *, required: bool = True, max_length: int = 0) -> str:
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise RecordError(f"{name}: required")
        return ""
    if not isinstance(value, str | int):
        raise RecordError(f"{name}: must be text")
    value = str(value)
    if max_length and len(value) > max_length:
        raise RecordError(f"{name}: at most {max_length} characters")
    return value


def ident(record: dict[str, Any], name: str = "id", *, required: bool = True) -> str:
    return text(record, name, required=required, max_length=128)


def moment(record: dict[str, Any], name: str, *, required: bool = True) -> datetime | None:
    raw = record.get(name)
    if raw is None or raw == "":
        if required:
            raise RecordError(f"{name}: required")
        return None
    if not isinstance(raw, str):
        raise RecordError(f"{name}: must be an ISO date and time")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise RecordError(f"{name}: {raw!r} is not an ISO date and time") from error
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def flag(record: dict[str, Any], name: str) -> bool:
    value = record.get(name, False)
    if not isinstance(value, bool):
        raise RecordError(f"{name}: must be true or false")
    return value
