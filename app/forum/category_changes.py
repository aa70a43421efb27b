"""What administrators do to categories from their pages: create, edit, reorder, archive.

Every change needs ``category.manage``, bumps the revisions of the categories it touches
(the home and category pages are cached under them, pages/list_parts.py) and has its
audit row written in the same transaction (``events.queue_audit``: the forum does not know
the audit log, moderation records the event).

An archived category takes no new topics (nor topics moved into it) and leaves the lists
of categories (visible_categories: the home page, the new-topic and move forms, the
leaderboard's filter); its page and its topics stay readable by link, in search and on tag
pages. Unarchiving gives it back its place.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.permissions import is_known
from app.core.sql import savepoint
from app.core.templating import slugify
from app.extensions import db
from app.forum.categories import create_category
from app.forum.errors import ForumError, require
from app.forum.models import Category
from app.forum.topic_state import change_category

MANAGE = "category.manage"
NAME_MAX, SLUG_MAX, DESCRIPTION_MAX = 80, 80, 500
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _fields(
    name: str, slug: str, description: str, required_capability: str | None
) -> dict[str, Any]:
    """The category's fields, checked; the slug made from the name when left empty."""
    name = " ".join(name.split())
    if not name:
        raise ForumError(_l("Give the category a name."), field="name")
    if len(name) > NAME_MAX:
        raise ForumError(_l("At most %(n)d characters.", n=NAME_MAX), field="name")
    slug = slug.strip().lower()
    if not slug:
        slug = slugify(name, SLUG_MAX)
        if slug == "topic" and "topic" not in name.lower():  # nothing of the name was ASCII
            raise ForumError(_l("Type the category's address."), field="slug")
    if len(slug) > SLUG_MAX or not SLUG.fullmatch(slug):
        raise ForumError(
            _l("Lowercase letters, digits and dashes only, e.g. coffee-machines."), field="slug"
        )
    description = description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise ForumError(_l("At most %(n)d characters.", n=DESCRIPTION_MAX), field="description")
    capability = required_capability or None
    if capability is not None and not is_known(capability):
        raise ForumError(_l("Unknown capability."), field="required_capability")
    return {"name": name, "slug": slug, "description": description, "capability": capability}


def _check_unique(name: str, slug: str, category_id: int | None = None) -> None:
    others = select(Category.slug, Category.name).where(
        (Category.slug == slug) | (func.lower(Category.name) == name.lower())
    )
    if category_id is not None:
        others = others.where(Category.id != category_id)
    found = list(db.session.execute(others))
    if any(other_name.lower() == name.lower() for _slug, other_name in found):
        raise ForumError(_l("Another category has this name."), field="name")
    if found:
        raise ForumError(_l("This slug is taken."), field="slug")


def _store(category: Category, values: dict[str, Any]) -> None:
    """Set and flush in a savepoint (begun first: beginning one flushes what is pending),
    so a slug taken meanwhile (two edits at once) is a form error, not a broken session."""
    try:
        with savepoint():
            for key, value in values.items():
                setattr(category, key, value)
            db.session.flush()
    except IntegrityError:
        raise ForumError(_l("This slug is taken."), field="slug") from None


def _snapshot(category: Category) -> dict[str, Any]:
    return {
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "required_capability": category.required_capability,
    }


def add_category(
    actor: User,
    *,
    name: str,
    slug: str = "",
    description: str = "",
    required_capability: str | None = None,
) -> Category:
    """Create a category at the end of the order (the slug made from the name if empty)."""
    require(actor, MANAGE)
    fields = _fields(name, slug, description, required_capability)
    _check_unique(fields["name"], fields["slug"])
    last = db.session.scalar(select(func.max(Category.position)))
    try:
        with savepoint():
            category = create_category(
                fields["name"],
                fields["slug"],
                description=fields["description"],
                position=(last + 1) if last is not None else 0,
                required_capability=fields["capability"],
            )
    except IntegrityError:
        raise ForumError(_l("This slug is taken."), field="slug") from None
    queue_audit(actor.id, "category.create", "category", category.id, after=_snapshot(category))
    return category


def edit_category(
    actor: User,
    category: Category,
    *,
    name: str,
    slug: str,
    description: str,
    required_capability: str | None,
) -> bool:
    """Change a category's name, address, description or restriction; False: no change."""
    require(actor, MANAGE)
    fields = _fields(name, slug, description, required_capability)
    before = _snapshot(category)
    after = {
        "name": fields["name"],
        "slug": fields["slug"],
        "description": fields["description"],
        "required_capability": fields["capability"],
    }
    if after == before:
        return False
    _check_unique(fields["name"], fields["slug"], category.id)
    _store(category, after)
    change_category(category.id)
    db.session.expire(category, ["revision"])
    changed = [key for key in after if after[key] != before[key]]
    queue_audit(
        actor.id, "category.edit", "category", category.id,
        before={key: before[key] for key in changed}, after={key: after[key] for key in changed},
    )  # fmt: skip
    return True


def all_categories() -> list[Category]:
    """Every category, archived ones too, in their order (the administrators' list)."""
    return list(
        db.session.scalars(select(Category).order_by(Category.position, Category.name, Category.id))
    )


def move_category(actor: User, category_id: int, seen_at: int, step: int) -> bool:
    """Move a category one place up (step -1) or down (+1) from where the administrator
    saw it (``seen_at``, its index in the list). The categories' rows are locked and
    numbered again in one transaction, so two clicks at once keep a consistent order; a
    click on a list that changed since (the same button clicked twice) changes nothing:
    False."""
    require(actor, MANAGE)
    if step not in (-1, 1):
        raise ForumError(_l("Move a category up or down."))
    with savepoint():
        # Every row, in id order (one lock order, no deadlock); SQLite: savepoint() took
        # the write lock first.
        db.session.execute(select(Category.id).order_by(Category.id).with_for_update())
        order = list(
            db.session.execute(
                select(Category.id, Category.position).order_by(
                    Category.position, Category.name, Category.id
                )
            )
        )
        ids = [row[0] for row in order]
        if category_id not in ids:
            raise ForumError(_l("Not found."), status=404)
        index = ids.index(category_id)
        target = index + step
        if index != seen_at or not 0 <= target < len(ids):
            return False
        ids[index], ids[target] = ids[target], ids[index]
        old_positions = {row[0]: row[1] for row in order}
        for position, moved_id in enumerate(ids):
            if old_positions[moved_id] != position:
                change_category(moved_id, position=position)
    queue_audit(
        actor.id, "category.move", "category", category_id,
        before={"position": index}, after={"position": target},
    )  # fmt: skip
    return True


def set_archived(actor: User, category: Category, archived: bool) -> bool:
    """Archive a category or bring it back; False if it already was so (one UPDATE on
    the row as it stands: two clicks at once change it, and audit it, once)."""
    require(actor, MANAGE)
    state = Category.archived_at.is_(None) if archived else Category.archived_at.is_not(None)
    changed = db.session.execute(
        update(Category)
        .where(Category.id == category.id, state)
        .values(archived_at=now_utc() if archived else None, revision=Category.revision + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(category, ["archived_at", "revision"])
    if not changed:
        return False
    action = "category.archive" if archived else "category.unarchive"
    queue_audit(actor.id, action, "category", category.id, after={"archived": archived})
    return True
