"""The rewards' domain error: a message for the member, an HTTP status, maybe a field."""

from __future__ import annotations


class RewardError(Exception):
    """Something a member or staff asked that cannot be done; shown, never a 500."""

    def __init__(self, message: object, status: int = 409, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status
        self.field = field
