"""Small texts shown many times a page, cached per value and language."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import get_locale, ngettext


def helpful_votes(count: int) -> str:
    """'3 helpful votes' / '3 votes utiles'."""
    return _helpful_votes(count, str(get_locale()))


@lru_cache(maxsize=2048)
def _helpful_votes(count: int, locale: str) -> str:
    # The locale is part of the cache key; ngettext reads the same locale from the request.
    return ngettext("%(num)d helpful vote", "%(num)d helpful votes", count)
