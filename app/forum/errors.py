"""The forum's user-caused errors, and the capability check that raises one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts.models import User


class ForumError(Exception):
    """A user-caused forum error; ``field`` names the form field, ``status`` the HTTP answer."""

    def __init__(self, message: object, field: str | None = None, status: int = 400) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.status = status


class InvalidFields(ForumError):
    """Several fields of one form are wrong: each keeps its own error, shown together."""

    def __init__(self, errors: list[ForumError]) -> None:
        super().__init__(errors[0].message, field=errors[0].field)
        self.errors = errors


class NotFound(ForumError):
    def __init__(self) -> None:
        super().__init__(_l("Not found."), status=404)


class Forbidden(ForumError):
    def __init__(self, message: object = None) -> None:
        super().__init__(message or _l("You may not do that."), status=403)


def require(user: User, capability: str) -> None:
    """Raise Forbidden unless ``user`` holds ``capability``."""
    if not user.can(capability):
        raise Forbidden()
