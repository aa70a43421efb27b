"""Badges, leaderboards, and the administrators' page of point values."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from app.badges import leaderboard, points, profile, queries, visits
from app.badges.catalogue import BY_SLUG
from app.core.events import commit
from app.core.forms import TribuneForm
from app.core.permissions import requires
from app.core.scheduler import get_job
from app.forum.categories import visible_categories

blueprint = Blueprint("badges", __name__)


@blueprint.before_app_request
def record_visit() -> None:
    """A member's first request of the day counts a visit (the streak badges)."""
    user = current_user._get_current_object()  # one lookup, not one per attribute
    if user.is_authenticated and visits.record_visit(user):
        # A unit of work of its own, before the view's: the visit stays whatever the
        # view does, and most pages (GET) commit nothing.
        commit()


def _page_arg() -> int:
    number = request.args.get("page", 1, type=int) or 1
    if number < 1 or number > 100_000:
        abort(404)
    return number


@blueprint.get("/badges")
def index() -> str:
    return render_template("badges/index.html", badges=queries.catalogue_with_counts())


@blueprint.get("/badges/<slug>")
def badge(slug: str) -> str:
    rule = BY_SLUG.get(slug)
    if rule is None:
        abort(404)
    holders, has_next = queries.holders(slug, _page_arg(), 50)
    return render_template(
        "badges/badge.html", rule=rule, holders=holders, page=_page_arg(), has_next=has_next
    )


@blueprint.get("/leaderboard")
def board() -> str:
    period = request.args.get("period", "week")
    if period not in leaderboard.PERIODS:
        abort(404)
    viewer = current_user if current_user.is_authenticated else None
    categories = visible_categories(viewer)
    slug = request.args.get("category", "")
    category = next((c for c in categories if c.slug == slug), None)
    if slug and category is None:
        abort(404)
    category_id = category.id if category else leaderboard.ALL_CATEGORIES
    number = _page_arg()
    size = current_app.config["LEADERBOARD_PAGE_SIZE"]
    rows, has_next = leaderboard.page(period, category_id, number, size)
    own = leaderboard.own_entry(period, category_id, viewer.id) if viewer else None
    return render_template(
        "badges/leaderboard.html",
        rows=rows,
        has_next=has_next,
        page=number,
        period=period,
        periods=list(leaderboard.PERIODS),
        categories=categories,
        category=category,
        own=own,
        own_on_page=any(r.user_id == (viewer.id if viewer else None) for r in rows),
        level_tag=profile.level_tag,
        refreshed=leaderboard.last_refreshed(),
        refresh_minutes=_refresh_minutes(),
    )


def _refresh_minutes() -> int:
    """How often the job rebuilds the boards, in minutes (its interval)."""
    seconds = get_job(leaderboard.REFRESH_JOB).interval_seconds or 600
    return max(1, seconds // 60)


class PointRulesForm(TribuneForm):
    pass


def _rules_form(values: dict[str, int]) -> TribuneForm:
    class Form(PointRulesForm):
        pass

    for action, value in values.items():
        setattr(
            Form,
            action,
            IntegerField(
                action, default=value, validators=[InputRequired(), NumberRange(-100, 1000)]
            ),
        )
    return Form()


@blueprint.route("/admin/points", methods=["GET", "POST"])
@requires("settings.manage")
def point_rules() -> Any:
    values = points.all_rules()
    form = _rules_form(values)
    if form.validate_on_submit():
        points.set_rules(current_user, {action: getattr(form, action).data for action in values})
        commit()
        flash(_("Point values saved. They apply to new activity."), "success")
        return redirect(url_for("badges.point_rules"))
    status = 422 if form.errors else 200
    return (
        render_template(
            "badges/point_rules.html",
            form=form,
            actions=list(values),
            labels=points.ACTION_LABELS,
        ),
        status,
    )
