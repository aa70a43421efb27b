"""CSV cells a spreadsheet could run as formulas are written as text, in every CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from app.core import csvsafe

APP = Path(__file__).resolve().parents[2] / "app"


@pytest.mark.parametrize(
    "typed",
    ['=HYPERLINK("http://evil.example","Click")', "+1", "-cmd", "@SUM(1)", "\t=1", "\r=1",
     "=1+2@example.com", "\uff1dSUM(1)"],
)  # fmt: skip
def test_text_that_starts_a_formula_is_written_as_text(typed):
    stream = io.StringIO()
    csvsafe.writer(stream).writerow([typed, "plain", 42, -2, 1.5, None])
    cells = next(csv.reader(io.StringIO(stream.getvalue())))
    assert cells == ["'" + typed, "plain", "42", "-2", "1.5", ""]


def test_dict_rows_are_made_safe_too():
    stream = io.StringIO()
    out = csvsafe.DictWriter(stream, fieldnames=("name", "delta"))
    out.writeheader()
    out.writerows([{"name": "-1+1", "delta": -2}, {"name": "Anne-Marie", "delta": 3}])
    assert list(csv.DictReader(io.StringIO(stream.getvalue()))) == [
        {"name": "'-1+1", "delta": "-2"},
        {"name": "Anne-Marie", "delta": "3"},
    ]


def test_every_csv_tribune_writes_goes_through_csvsafe():
    # A new export that reached for the csv module's writers would write formulas again.
    direct = re.compile(r"\bcsv\.(writer|DictWriter)\b|from csv import")
    offenders = [
        str(path.relative_to(APP))
        for path in APP.rglob("*.py")
        if path.name != "csvsafe.py" and direct.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
