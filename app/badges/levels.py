"""Named levels by points, shown beside every author name and on profiles."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

NAMES = {
    "newcomer": _l("Newcomer"),
    "member": _l("Member"),
    "regular": _l("Regular"),
    "expert": _l("Expert"),
    "guru": _l("Guru"),
}


@dataclass(frozen=True)
class Level:
    key: str
    number: int
    threshold: int
    next_threshold: int | None

    @property
    def name(self) -> str:
        return str(NAMES.get(self.key, self.key))

    def progress(self, points: int) -> int:
        """Percent of the way to the next level (100 at the top)."""
        if self.next_threshold is None:
            return 100
        span = self.next_threshold - self.threshold
        return max(0, min(100, (points - self.threshold) * 100 // span))


def level_for(points: int) -> Level:
    levels = current_app.config["LEVELS"]
    index = 0
    for i, (_key, threshold) in enumerate(levels):
        if points >= threshold:
            index = i
    key, threshold = levels[index]
    following = levels[index + 1][1] if index + 1 < len(levels) else None
    return Level(key=key, number=index + 1, threshold=threshold, next_threshold=following)
