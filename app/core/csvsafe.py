"""CSV that a spreadsheet opens as text: every CSV Tribune writes goes through here.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)`` in a flag note
becomes a link, or worse, in a moderator's spreadsheet). Such text cells get a leading
single quote, as OWASP recommends; spreadsheets show the text and run nothing. Only
strings are touched: the numbers Tribune writes itself (ids, a -2 point delta) stay
numbers. The full-width forms of the same signs are neutralised too, since some
spreadsheets read them as formulas when typed through an input method.

Modules write CSV with ``csvsafe.writer`` and ``csvsafe.DictWriter`` rather than the
``csv`` module's own (tests/core/test_csv_cells.py holds every package to it); pages
send it with ``download`` or ``rows_download``.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any

from flask import Response, send_file

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """``value`` itself, or a text that could start a formula with a quote in front."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose rows are written cell by cell through ``safe_cell``."""

    def __init__(self, stream: IO[str], **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: IO[str], **options: Any) -> SafeWriter:
    """What ``csv.writer(stream, **options)`` gives, with every cell made safe."""
    return SafeWriter(stream, **options)


class DictWriter(csv.DictWriter):
    """``csv.DictWriter`` whose values go through ``safe_cell`` (the header is Tribune's)."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)


SPOOL_IN_MEMORY = 8 * 1024 * 1024  # bytes kept in memory before the file moves to disk


def download(write: Callable[[IO[str]], None], filename: str) -> Response:
    """A CSV download of what ``write(text)`` writes (UTF-8). It is written into a
    spooled file (memory up to a few megabytes, then disk), so a long export never sits
    in memory and the database is done with before the first byte leaves."""
    # Not a with-block: the response closes the file once it is sent.
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    try:
        text = io.TextIOWrapper(spooled, encoding="utf-8", newline="")
        write(text)
        text.flush()
        text.detach()
        spooled.seek(0)
    except BaseException:
        spooled.close()
        raise
    return send_file(spooled, mimetype="text/csv", as_attachment=True, download_name=filename)


def rows_download(header: Iterable[Any], rows: Iterable[Iterable[Any]], filename: str) -> Response:
    """A CSV download of ``header`` then ``rows``, every cell made safe."""

    def write(text: IO[str]) -> None:
        out = writer(text)
        out.writerow(header)
        out.writerows(rows)

    return download(write, filename)
