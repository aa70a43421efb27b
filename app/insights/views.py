"""The community-health dashboard: /manage/health and one CSV per figure."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from app.core import csvsafe
from app.core.permissions import requires
from app.forum.categories import visible_categories
from app.insights import queries, report
from app.insights.jobs import JOB_NAME
from app.insights.models import PERIOD_KINDS, WHOLE_COMMUNITY
from app.insights.periods import HISTORY

blueprint = Blueprint("insights", __name__)
DEFAULT_KIND = "month"


def _scope() -> tuple[str, Any, list[Any]]:
    """The period kind (an unknown one falls back to months), the category (404 when the
    reader may not see it or it is not a category) and the categories to choose from."""
    kind = request.args.get("period", DEFAULT_KIND)
    if kind not in PERIOD_KINDS:
        kind = DEFAULT_KIND
    categories = visible_categories(current_user)
    raw = request.args.get("category", "")
    if not raw:
        return kind, None, categories
    chosen = next((c for c in categories if raw.isdigit() and str(c.id) == raw), None)
    if chosen is None:
        abort(404)
    return kind, chosen, categories


def _figures(kind: str, category: Any, only: str | None = None) -> dict[str, report.Figure]:
    scope = category.id if category is not None else WHOLE_COMMUNITY
    built: dict[str, report.Figure] = {}
    wanted = set(report.FIGURES) if only is None else {only}
    if wanted & {"content", "curve", "questions", "answerers", "members", "moderation"}:
        rows = report.from_first_activity(queries.figures(kind, scope))
        if wanted & {"content", "curve"}:
            curve = queries.curve(kind, scope)
            # The curve of the last closed period (the open one is still filling).
            closed = rows[-2].period_start if len(rows) > 1 else None
            built["content"] = report.content(kind, rows, curve)
            built["curve"] = report.concentration(kind, curve, closed)
        built["questions"] = report.questions(kind, rows)
        built["answerers"] = report.answerers(kind, rows)
        built["members"] = report.members(kind, rows)
        built["moderation"] = report.moderation(kind, rows)
    if "segments" in wanted:
        built["segments"] = report.segments(queries.runs(), lambda at: format_date(at, "short"))
    if "scores" in wanted:
        built["scores"] = report.scores(queries.score_bins())
    return {name: built[name] for name in report.FIGURES if name in built and name in wanted}


@blueprint.get("/manage/health")
@requires("health.view")
def health() -> str:
    kind, category, categories = _scope()
    refreshed = queries.last_refresh()
    return render_template(
        "insights/health.html",
        kind=kind,
        category=category,
        categories=categories,
        kinds=PERIOD_KINDS,
        kind_labels=report.PERIOD_LABELS,
        history=HISTORY,
        refreshed=refreshed,
        job_name=JOB_NAME,
        figures=_figures(kind, category) if refreshed else {},
    )


@blueprint.get("/manage/health/<figure>.csv")
@requires("health.view")
def health_csv(figure: str) -> Response:
    if figure not in report.FIGURES:
        abort(404)
    kind, category, _categories = _scope()
    found = _figures(kind, category, only=figure)[figure]
    # Each row says its scope: a category's name is the members' text, kept from formulas.
    per_category = figure not in ("segments", "scores") and category is not None
    scope = category.name if per_category else _("The whole community")
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow([_("Scope"), *(str(header) for header in found.headers)])
    writer.writerows([scope, *row] for row in found.rows)
    name = f"tribune-health-{figure}-{kind}" + (f"-{category.slug}" if category else "")
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
