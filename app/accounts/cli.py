"""`tribune users ...`"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from app.accounts import services
from app.accounts.services import AccountError
from app.core.events import commit
from app.core.permissions import ROLES
from app.extensions import db


@click.group(help="Manage member accounts.")
def users() -> None:
    pass


@users.command("create")
@click.argument("username")
@click.option("--email", required=True, help="The member's email address.")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create(username: str, email: str, role: str, password_stdin: bool) -> None:
    """Create an account (asks for the password unless --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(username, email, password, role=role)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.field or 'error'}: {error.message}") from error
    commit()
    click.echo(f"Created {role} {user.username} <{user.email}>.")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def set_role(username: str, role: str) -> None:
    """Give an existing member another role."""
    user = services.get_by_username(username)
    if user is None:
        raise click.ClickException(f"username: no member named {username!r}")
    services.set_role(user, role)
    commit()
    click.echo(f"{user.username} is now {role}.")


@users.command("link-customer")
@click.argument("username")
@click.argument("customer_id", required=False)
@click.option("--clear", is_flag=True, help="Remove the link.")
@with_appcontext
def link_customer(username: str, customer_id: str | None, clear: bool) -> None:
    """Link a member to the brand's customer id, so signals can name them by it."""
    user = services.get_by_username(username)
    if user is None:
        raise click.ClickException(f"username: no member named {username!r}")
    if not clear and not customer_id:
        raise click.ClickException("customer_id: give one, or --clear")
    try:
        services.set_customer_id(user, None if clear else customer_id)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.field}: {error.message}") from error
    commit()
    click.echo(f"{user.username}: customer id {user.external_customer_id or 'none'}.")
