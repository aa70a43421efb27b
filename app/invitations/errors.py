"""Domain errors of campaigns and replies: each a clear message and an HTTP status."""

from __future__ import annotations


class CampaignError(Exception):
    """Something staff or a member asked that cannot be done; ``status`` is the answer."""

    status = 400

    def __init__(self, message: object, status: int | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        if status is not None:
            self.status = status
        self.field = field


class ReplyError(CampaignError):
    """A reply that cannot be taken (the campaign is over, the deadline has passed)."""

    status = 409


class TokenError(ReplyError):
    """An emailed reply link that does not work; the page says which way."""


class MalformedToken(TokenError):
    status = 404


class UnknownToken(TokenError):
    status = 404


class UsedToken(TokenError):
    status = 409


class ExpiredToken(TokenError):
    status = 410


class ForeignToken(TokenError):
    """A logged-in member followed another member's link."""

    status = 403
