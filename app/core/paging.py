"""A page of a list: its items, its number, whether another follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Page:
    items: list[Any]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def make_page(items: list[Any], page: int, per_page: int) -> Page:
    """The page of ``items``, read with one row more than shown (``per_page + 1``)."""
    return Page(items=items[:per_page], page=page, has_next=len(items) > per_page)
