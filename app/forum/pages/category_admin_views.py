"""/admin/categories: the administrators' categories (create, edit, reorder, archive).

The services are the domain's (app/forum/category_changes.py); each change is audited
there. Every page needs ``category.manage``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.events import commit
from app.core.forms import ActionForm
from app.core.permissions import CAPABILITIES, requires
from app.extensions import db
from app.forum import category_changes
from app.forum.errors import ForumError
from app.forum.models import Category
from app.forum.pages import queries
from app.forum.pages.category_forms import CategoryForm, OrderForm

blueprint = Blueprint("category_admin", __name__, url_prefix="/admin/categories")
MANAGE = "category.manage"


def _category(category_id: int) -> Category:
    found = queries.category_by_id(category_id)
    if found is None:
        abort(404)
    return found


def _fail(error: ForumError, form: CategoryForm) -> None:
    db.session.rollback()
    field = getattr(form, error.field or "", None)
    if field is None:
        form.form_errors.append(str(error.message))
    else:
        field.errors = [*field.errors, str(error.message)]


@blueprint.get("/")
@requires(MANAGE)
def index() -> Any:
    return render_template(
        "forum/admin_categories.html",
        categories=category_changes.all_categories(),
        capabilities=CAPABILITIES,
    )


def _form_page(form: CategoryForm, category: Category | None) -> tuple[str, int]:
    status = 422 if form.errors or form.form_errors else 200
    return render_template("forum/admin_category_form.html", form=form, category=category), status


@blueprint.route("/new", methods=["GET", "POST"])
@requires(MANAGE)
def new() -> Any:
    form = CategoryForm()
    form.offer_capabilities()
    if form.validate_on_submit():
        try:
            category = category_changes.add_category(current_user, **form.category_fields())
        except ForumError as error:
            _fail(error, form)
        else:
            commit()
            flash(_("Category “%(name)s” created.", name=category.name), "success")
            return redirect(url_for("category_admin.index"))
    return _form_page(form, None)


@blueprint.route("/<int:category_id>/edit", methods=["GET", "POST"])
@requires(MANAGE)
def edit(category_id: int) -> Any:
    category = _category(category_id)
    form = CategoryForm(obj=category)
    form.offer_capabilities(category.required_capability)
    if form.validate_on_submit():
        try:
            changed = category_changes.edit_category(
                current_user, category, **form.category_fields()
            )
        except ForumError as error:
            _fail(error, form)
        else:
            commit()
            flash(_("Category saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("category_admin.index"))
    return _form_page(form, category)


@blueprint.post("/<int:category_id>/move/<any(up, down):direction>")
@requires(MANAGE)
def move(category_id: int, direction: str) -> Any:
    form = OrderForm()
    if not form.validate_on_submit():
        abort(400)
    step = -1 if direction == "up" else 1
    try:
        moved = category_changes.move_category(current_user, category_id, form.seen_at.data, step)
    except ForumError as error:
        abort(error.status)
    commit()
    if not moved:
        flash(_("The order had changed meanwhile: here it is now."), "info")
    return redirect(url_for("category_admin.index", _anchor=f"category-{category_id}"))


def _set_archived(category_id: int, archived: bool) -> Any:
    category = _category(category_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    changed = category_changes.set_archived(current_user, category, archived)
    commit()
    if changed:
        flash(
            _("“%(name)s” archived: it takes no new topics.", name=category.name)
            if archived
            else _("“%(name)s” is back in the lists.", name=category.name),
            "success",
        )
    return redirect(url_for("category_admin.index", _anchor=f"category-{category_id}"))


@blueprint.post("/<int:category_id>/archive")
@requires(MANAGE)
def archive(category_id: int) -> Any:
    return _set_archived(category_id, True)


@blueprint.post("/<int:category_id>/unarchive")
@requires(MANAGE)
def unarchive(category_id: int) -> Any:
    return _set_archived(category_id, False)
