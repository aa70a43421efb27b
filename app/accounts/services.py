"""Account state changes: registration, authentication, passwords, profiles, roles."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import User
from app.core import events
from app.core.clock import now_utc
from app.core.event_payloads import RoleChanged, UserRegistered
from app.core.permissions import ROLES
from app.core.sql import savepoint
from app.core.text import USERNAME_PATTERN
from app.extensions import db

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
USERNAME_RE = re.compile(rf"^{USERNAME_PATTERN}$")
RESERVED_USERNAMES = {"admin", "administrator", "moderator", "staff", "system", "tribune", "me"}
BIO_MAX_LENGTH = 2000


class AccountError(Exception):
    """A user-caused account error; ``field`` names the form field it belongs to."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("app").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password: str, username: str = "", email: str = "") -> None:
    """Raise AccountError(field="password") when a password is too weak."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(
            _l("Use at least %(n)d characters.", n=PASSWORD_MIN_LENGTH), field="password"
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AccountError(
            _l("Use at most %(n)d characters.", n=PASSWORD_MAX_LENGTH), field="password"
        )
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        raise AccountError(_l("This password is too common; choose another."), field="password")
    local_part = email.split("@")[0].lower()
    if (username and username.lower() in lowered) or (
        len(local_part) >= 4 and local_part in lowered
    ):
        raise AccountError(
            _l("Your password must not contain your username or email."), field="password"
        )


def normalize_email(email: str) -> str:
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountError(_l("Enter a valid email address."), field="email") from error
    return result.normalized.lower()


def check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise AccountError(
            _l("3 to 30 characters: letters, digits, '_', '.' and '-', not ending in '.' or '-'."),
            field="username",
        )
    if username.lower() in RESERVED_USERNAMES:
        raise AccountError(_l("This username is reserved."), field="username")
    return username


def get_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == username.lower()))


def login_key(identifier: str) -> str:
    """What a login (username or email) is looked up by: trimmed, lower case."""
    return identifier.strip().lower()


def get_by_login(identifier: str) -> User | None:
    """A member by username or email, case-insensitive."""
    key = login_key(identifier)
    column = User.email if "@" in key else User.username_key
    return db.session.scalar(select(User).where(column == key))


def account_id_for_login(identifier: str) -> int | None:
    """The id of the member a login names (as get_by_login), without loading them."""
    key = login_key(identifier)
    column = User.email if "@" in key else User.username_key
    return db.session.scalar(select(User.id).where(column == key))


def create_user(
    username: str,
    email: str,
    password: str | None,
    *,
    role: str = "member",
    locale: str | None = None,
    registration_ip: str | None = None,
    bio: str = "",
    password_hash: str | None = None,
) -> User:
    """Add a member to the session after checking every rule; the caller commits.

    ``password_hash`` stands for a password checked and hashed earlier (a sign-up
    finished through its emailed link)."""
    username = check_username(username)
    email = normalize_email(email)
    if role not in ROLES:
        raise AccountError(_l("Unknown role."), field="role")
    if password is not None:
        check_password_rules(password, username, email)
    _check_free(username, email)
    user = User(
        username=username,
        username_key=username.lower(),
        email=email,
        password_hash=hash_password(password) if password is not None else password_hash,
        role=role,
        locale=locale,
        registration_ip=registration_ip,
        bio=bio,
    )
    try:
        with savepoint():
            db.session.add(user)
    except IntegrityError:
        # Someone took the name or address between the check and the insert (two
        # sign-ups at once): the loser hears what it would have heard a moment later.
        _check_free(username, email)
        raise
    events.queue(
        UserRegistered(
            user_id=user.id,
            username=user.username,
            registration_ip=registration_ip,
            created_at=user.created_at,
        )
    )
    return user


def _check_free(username: str, email: str) -> None:
    if get_by_username(username) is not None:
        raise AccountError(_l("This username is taken."), field="username")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(_l("An account already uses this email."), field="email")


def authenticate(identifier: str, password: str) -> User:
    """The member these credentials belong to, or AccountError with one vague message."""
    user = get_by_login(identifier)
    invalid = AccountError(_l("Wrong username/email or password."), field="password")
    if user is None or user.password_hash is None:
        # Same work as a real check, so timing does not reveal which accounts exist.
        check_password_hash(_dummy_hash(), password)
        raise invalid
    if not check_password_hash(user.password_hash, password):
        raise invalid
    if not user.active:
        raise AccountError(_l("This account is deactivated."), field="username")
    return user


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-for-timing")


def change_password(user: User, current_password: str, new_password: str) -> None:
    if user.password_hash is None or not check_password_hash(user.password_hash, current_password):
        raise AccountError(_l("Your current password is not this one."), field="current_password")
    check_password_rules(new_password, user.username, user.email)
    user.password_hash = hash_password(new_password)
    user.session_version += 1


def update_profile(user: User, *, bio: str, locale: str | None) -> None:
    if len(bio) > BIO_MAX_LENGTH:
        raise AccountError(_l("At most %(n)d characters.", n=BIO_MAX_LENGTH), field="bio")
    user.bio = bio.strip()
    user.locale = locale or None


def set_role(user: User, role: str, changed_by: User | None = None, reason: str = "") -> bool:
    """Change a member's role (who may is the caller's business); False if unchanged."""
    if role not in ROLES:
        raise AccountError(_l("Unknown role."), field="role")
    if user.role == role:
        return False
    old, user.role = user.role, role
    events.queue(
        RoleChanged(
            user_id=user.id,
            old_role=old,
            new_role=role,
            changed_by_id=changed_by.id if changed_by else None,
            reason=reason.strip()[:300],
            changed_at=now_utc(),
        )
    )
    return True


CUSTOMER_ID_MAX_LENGTH = 64


def set_customer_id(user: User, customer_id: str | None) -> None:
    """Link the brand's own id for this customer (CRM, shop), or unlink with None."""
    value = (customer_id or "").strip() or None
    if value is not None:
        if len(value) > CUSTOMER_ID_MAX_LENGTH:
            raise AccountError(
                _l("Use at most %(n)d characters.", n=CUSTOMER_ID_MAX_LENGTH), field="customer_id"
            )
        taken = db.session.scalar(
            select(User.username).where(User.external_customer_id == value, User.id != user.id)
        )
        if taken is not None:
            raise AccountError(
                _l("This customer id belongs to %(name)s.", name=taken), field="customer_id"
            )
    user.external_customer_id = value


def count_members() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
