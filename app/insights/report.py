"""The dashboard's figures as the page and the CSV show them: one table per figure, and
the chart drawn from the same numbers (static/js/charts.js's spec).

Each figure is built once from the summary rows: the page draws its chart above its
table, and its CSV is the same table (period starts as ISO dates, numbers unformatted),
so the three never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from app.insights.models import HealthCurve, HealthFigures, HealthRun, HealthScoreBin

FIGURES = (
    "content",
    "curve",
    "questions",
    "answerers",
    "members",
    "segments",
    "scores",
    "moderation",
)
PERIOD_LABELS = {"week": _l("Week"), "month": _l("Month"), "quarter": _l("Quarter")}
_PERIOD_FORMATS = {"week": "d MMM yyyy", "month": "LLL yyyy", "quarter": "QQQ yyyy"}


@dataclass
class Figure:
    """One figure: its table (headers, rows of raw values) and its charts' specs."""

    name: str
    title: Any
    explanation: Any
    headers: list[Any]
    rows: list[list[Any]]
    charts: list[tuple[dict[str, Any], Any]] = field(default_factory=list)  # (spec, label)
    # How the page shows each row's first cell (a period's name); the CSV keeps the raw one.
    labels: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows


def from_first_activity(rows: list[HealthFigures]) -> list[HealthFigures]:
    """The kept periods from the first one with any activity (a young community's history
    does not start with a year of zeros); the open period at least."""
    for index, row in enumerate(rows):
        if row.posts or row.questions or row.new_members or row.flags or row.sanctions:
            return rows[index:]
    return rows[-1:]


def period_label(kind: str, start: date) -> str:
    return format_date(start, _PERIOD_FORMATS[kind])


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600.0, 2)


def _series(label: Any, values: Sequence[Any], kind: str | None = None) -> dict[str, Any]:
    spec = {"label": str(label), "values": list(values)}
    return spec | ({"kind": kind} if kind else {})


def _spec(chart: str, labels: list[str], series: list[dict[str, Any]], **more: Any) -> dict:
    return {"type": chart, "labels": labels, "series": series, **more}


def content(kind: str, rows: list[HealthFigures], curve: list[HealthCurve]) -> Figure:
    top = {(c.period_start): c for c in curve if c.percent == 1}
    labels = [period_label(kind, r.period_start) for r in rows]
    shares = [
        _share(top[r.period_start].posts, r.posts) if r.period_start in top else None for r in rows
    ]
    table = [
        [
            r.period_start.isoformat(),
            r.posts,
            r.active_members,
            top[r.period_start].authors if r.period_start in top else 0,
            share,
        ]
        for r, share in zip(rows, shares, strict=True)
    ]
    headers = [
        PERIOD_LABELS[kind],
        _l("Posts"),
        _l("Active members"),
        _l("Top 1% (members)"),
        _l("Share of posts by the top 1% (%)"),
    ]
    spec = _spec("line", labels, [_series(headers[-1], shares)], percent=True)
    return Figure(
        "content",
        _l("Share of the content written by the top 1%"),
        _l(
            "Communities typically show 40 to 50%. Posts: written in the period, "
            "neither deleted nor hidden; active members: their authors."
        ),
        headers,
        table,
        [(spec, _l("Share of posts by the top 1%, per period"))],
        labels,
    )


def concentration(kind: str, curve: list[HealthCurve], start: date | None) -> Figure:
    points = [c for c in curve if c.period_start == start]
    whole = next((c.posts for c in points if c.percent == 100), 0)
    table = [[c.percent, c.authors, c.posts, _share(c.posts, whole)] for c in points]
    headers = [_l("Top members (%)"), _l("Members"), _l("Posts"), _l("Share of posts (%)")]
    shown = [f"{c.percent} %" for c in points]
    spec = _spec(
        "line",
        shown,
        [_series(headers[-1], [row[-1] for row in table])],
        percent=True,
        x_title=str(_l("Top members (%)")),
    )
    period = period_label(kind, start) if start else ""
    return Figure(
        "curve",
        _l("Concentration curve"),
        _l("Share of the posts of %(period)s written by the most active members.", period=period),
        headers,
        table,
        [(spec, _l("Concentration curve"))],
        shown,
    )


def questions(kind: str, rows: list[HealthFigures]) -> Figure:
    labels = [period_label(kind, r.period_start) for r in rows]
    table = [
        [
            r.period_start.isoformat(),
            r.questions,
            r.answered,
            r.questions - r.answered,
            r.solved,
            _share(r.solved, r.questions),
            _hours(r.first_answer_median),
            _hours(r.first_answer_p90),
            _hours(r.solution_median),
            _hours(r.solution_p90),
        ]
        for r in rows
    ]
    headers = [
        PERIOD_LABELS[kind],
        _l("Questions"),
        _l("Answered"),
        _l("Unanswered"),
        _l("Solved"),
        _l("Solved rate (%)"),
        _l("First answer, median (h)"),
        _l("First answer, 90th percentile (h)"),
        _l("Solution, median (h)"),
        _l("Solution, 90th percentile (h)"),
    ]
    times = _spec(
        "line",
        labels,
        [_series(headers[i], [row[i] for row in table]) for i in (6, 7, 8, 9)],
        y_title=str(_l("Hours")),
    )
    counts = _spec(
        "bar",
        labels,
        [
            _series(headers[2], [r.answered for r in rows]),
            _series(headers[3], [row[3] for row in table]),
        ],
        stacked=True,
    )
    rate = _spec("line", labels, [_series(headers[5], [row[5] for row in table])], percent=True)
    return Figure(
        "questions",
        _l("Answers and solutions"),
        _l(
            "Questions asked in the period and what became of them since: first answer "
            "by someone other than the asker, accepted answer. Times in hours."
        ),
        headers,
        table,
        [
            (times, _l("Time to first answer and to solution")),
            (counts, _l("Answered and unanswered questions")),
            (rate, _l("Solved rate")),
        ],
        labels,
    )


def answerers(kind: str, rows: list[HealthFigures]) -> Figure:
    labels = [period_label(kind, r.period_start) for r in rows]
    table = []
    for r in rows:
        counts = (r.answered_by_members, r.answered_by_helpers, r.answered_by_staff)
        table.append(
            [
                r.period_start.isoformat(),
                r.answered,
                *counts,
                *(_share(n, r.answered) for n in counts),
            ]
        )
    headers = [
        PERIOD_LABELS[kind],
        _l("Answered questions"),
        _l("By members"),
        _l("By helpers and ambassadors"),
        _l("By staff"),
        _l("Members (%)"),
        _l("Helpers and ambassadors (%)"),
        _l("Staff (%)"),
    ]
    spec = _spec(
        "bar",
        labels,
        [_series(headers[i], [row[i] for row in table]) for i in (5, 6, 7)],
        percent=True,
        stacked=True,
    )
    return Figure(
        "answerers",
        _l("Who answers"),
        _l(
            "Who wrote the first answer: staff (brand staff, community managers, "
            "administrators), helpers (ambassadors and members holding helper "
            "privileges, as they stand at the last run) or other members."
        ),
        headers,
        table,
        [(spec, _l("Share of questions answered by each group"))],
        labels,
    )


def members(kind: str, rows: list[HealthFigures]) -> Figure:
    labels = [period_label(kind, r.period_start) for r in rows]
    table = [
        [
            r.period_start.isoformat(),
            r.active_members,
            r.new_members,
            r.new_who_posted,
            r.new_who_returned,
            _share(r.new_who_returned, r.new_members),
        ]
        for r in rows
    ]
    headers = [
        PERIOD_LABELS[kind],
        _l("Active members"),
        _l("New members"),
        _l("New members who posted"),
        _l("Posted again within 30 days"),
        _l("Posted again within 30 days (%)"),
    ]
    spec = _spec("bar", labels, [_series(headers[i], [row[i] for row in table]) for i in (1, 2, 4)])
    return Figure(
        "members",
        _l("Members"),
        _l(
            "Active: wrote a post in the period. New: joined in the period (in a "
            "category: whose first post is there). Posted again: a second post within "
            "30 days of the first."
        ),
        headers,
        table,
        [(spec, _l("Active, new and returning members"))],
        labels,
    )


def segments(runs: list[HealthRun], when: Callable[[Any], str]) -> Figure:
    table = [
        [r.as_of.date().isoformat(), r.eligible, r.ambassadors, r.rising, r.opportunists]
        for r in runs
    ]
    headers = [
        _l("Run"),
        _l("Eligible members"),
        _l("Ambassadors"),
        _l("Ambassadors in the making"),
        _l("Opportunists"),
    ]
    shown = [when(r.as_of) for r in runs]
    # A line needs a few runs to say anything; bars read well from the first run.
    chart = "line" if len(runs) > 3 else "bar"
    spec = _spec(chart, shown, [_series(headers[i], [row[i] for row in table]) for i in (2, 3, 4)])
    return Figure(
        "segments",
        _l("Segments run after run"),
        _l("The size of each segment after each ambassador run (the whole community)."),
        headers,
        table,
        [(spec, _l("Segment sizes per run"))],
        shown,
    )


def scores(bins: list[HealthScoreBin]) -> Figure:
    table = [[round(b.low, 1), round(b.high, 1), b.members] for b in bins]
    headers = [_l("Score from"), _l("Score to"), _l("Members")]
    shown = [f"{row[0]:g}-{row[1]:g}" for row in table]
    spec = _spec(
        "bar", shown, [_series(headers[2], [row[2] for row in table])], x_title=str(_l("Score"))
    )
    return Figure(
        "scores",
        _l("Score distribution of the last run"),
        _l("Eligible members of the latest ambassador run, by engagement score."),
        headers,
        table,
        [(spec, _l("Score distribution"))],
    )


def moderation(kind: str, rows: list[HealthFigures]) -> Figure:
    labels = [period_label(kind, r.period_start) for r in rows]
    table = [
        [
            r.period_start.isoformat(),
            r.flags,
            r.flags_reviewed,
            _hours(r.review_median),
            _hours(r.review_p90),
            r.hidden_posts,
            r.sanctions,
        ]
        for r in rows
    ]
    headers = [
        PERIOD_LABELS[kind],
        _l("Flags"),
        _l("Flags reviewed"),
        _l("Time to review, median (h)"),
        _l("Time to review, 90th percentile (h)"),
        _l("Hidden posts"),
        _l("Sanctions"),
    ]
    counts = _spec(
        "bar", labels, [_series(headers[i], [row[i] for row in table]) for i in (1, 5, 6)]
    )
    waits = _spec(
        "line",
        labels,
        [_series(headers[i], [row[i] for row in table]) for i in (3, 4)],
        y_title=str(_l("Hours")),
    )
    return Figure(
        "moderation",
        _l("Moderation workload"),
        _l(
            "Flags raised in the period, how many were reviewed and how fast; posts "
            "hidden in the period and still hidden; sanctions given (whole community "
            "only)."
        ),
        headers,
        table,
        [(counts, _l("Flags, hidden posts and sanctions")), (waits, _l("Time to review flags"))],
        labels,
    )
