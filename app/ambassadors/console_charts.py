"""The console's chart specs (static/js/charts.js draws them; each page's table says the same)."""

from __future__ import annotations

from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _

from app.ambassadors.console_queries import Distribution, RunScore
from app.core.templating import number


def bin_label(low: float, high: float) -> str:
    """ "10-15" with an en dash: a bin's scores, from ``low`` (included) to ``high`` (excluded)."""
    return f"{number(round(low, 2))}\u2013{number(round(high, 2))}"


def distribution_chart(distribution: Distribution) -> dict[str, Any]:
    """A histogram of the eligible members' scores with the cutoff's bin marked."""
    spec: dict[str, Any] = {
        "type": "bar",
        "labels": [bin_label(b.low, b.high) for b in distribution.bins],
        "series": [{"label": _("Members"), "values": [b.members for b in distribution.bins]}],
        "x_title": _("Score"),
        "y_title": _("Eligible members"),
    }
    if distribution.cutoff_bin is not None and distribution.cutoff is not None:
        spec["marker"] = {
            "index": distribution.cutoff_bin,
            "label": _("Cutoff %(score)s", score=number(round(distribution.cutoff, 1))),
        }
    return spec


def score_chart(runs: list[RunScore]) -> dict[str, Any]:
    """The member's score run after run, beside each run's cutoff."""
    return {
        "type": "line",
        "labels": [format_date(r.as_of, "short") for r in runs],
        "series": [
            {"label": _("Score"), "values": [round(r.score, 1) for r in runs]},
            {
                "label": _("Cutoff"),
                "values": [None if r.cutoff is None else round(r.cutoff, 1) for r in runs],
            },
        ],
        "y_title": _("Score"),
    }
