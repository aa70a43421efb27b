"""`tribune categories ...`"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.core.events import commit
from app.extensions import db
from app.forum import categories as category_services
from app.forum.errors import ForumError
from app.forum.models import Category


@click.group(help="List and create forum categories.")
def categories() -> None:
    pass


@categories.command("list")
@with_appcontext
def list_categories() -> None:
    """Print every category: slug, name, restriction and topic count."""
    rows = db.session.scalars(select(Category).order_by(Category.position, Category.name)).all()
    if not rows:
        click.echo("No categories yet.")
        return
    width = max(len(c.slug) for c in rows)
    for category in rows:
        restriction = category.required_capability or "public"
        archived = "  (archived)" if category.archived_at is not None else ""
        click.echo(
            f"{category.slug:<{width}}  {category.name:<30}  {restriction:<16}  "
            f"{category.topic_count} topics{archived}"
        )


@categories.command("create")
@click.argument("name")
@click.option("--slug", required=True, help="The category's address, e.g. depannage.")
@click.option("--description", default="", help="Shown under the name.")
@click.option("--position", type=int, default=0, show_default=True, help="Sort order.")
@click.option("--capability", default=None, help="Only members holding it see the category.")
@with_appcontext
def create_category(
    name: str, slug: str, description: str, position: int, capability: str | None
) -> None:
    """Create a category."""
    try:
        category = category_services.create_category(
            name, slug, description=description, position=position, required_capability=capability
        )
    except ForumError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.field or 'error'}: {error.message}") from error
    commit()
    click.echo(f"Created category {category.slug} ({category.name}).")
