"""A small in-process cache, bounded by the bytes its entries take.

Keys carry whatever makes an entry differ (for a page: its reader's facts, its language
and a revision number its data bumps on every change), so an entry is never stale in
substance; a time-to-live only bounds how old relative dates ("3 hours ago"), view
counts and levels may look. Each worker process has its own cache, bounded in bytes:
a bound in entries grew with the size of the pages (2,000 topic pages cost a worker
about 56 MB).

The caller says what an entry weighs (``size``, in bytes: ``sys.getsizeof`` of the
strings it holds, plus ENTRY_BYTES for the key and bookkeeping). An entry larger than
the whole bound is not kept; a bound of 0 keeps nothing.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

# What an entry costs besides its value: the key (a tuple of a few small values), the
# ordered dict's node and the bookkeeping tuple (measured with tracemalloc).
ENTRY_BYTES = 500


class PageCache:
    def __init__(self, max_bytes: int, ttl_seconds: float = float("inf")) -> None:
        self.max_bytes = max_bytes
        self.ttl_seconds = ttl_seconds
        self.bytes = 0
        # key -> (expires at, size, value), least recently used first.
        self._entries: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[2]

    def set(self, key: Hashable, value: Any, size: int, ttl_seconds: float | None = None) -> None:
        """Keep ``value`` (``size`` bytes) for at most ``ttl_seconds`` (the cache's own
        time-to-live when None), dropping the least recently used entries to make room."""
        size += ENTRY_BYTES
        if size > self.max_bytes:
            return
        ttl = self.ttl_seconds if ttl_seconds is None else ttl_seconds
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + ttl, size, value)
            self.bytes += size
            while self.bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        self.bytes -= self._entries.pop(key)[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def held_keys(self) -> list[Hashable]:
        """The keys held now, least recently used first (tests look at them)."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
