"""A small in-process cache of pages (or page data), keyed by what makes them differ.

Keys carry whatever makes a page different (its path and query, its language, and a
revision number the page's data bumps on every change), so an entry is never stale in
substance; the time-to-live only bounds how old relative times ("3 hours ago") and
view counts may look. Each worker process has its own cache, bounded in entries.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class PageCache:
    def __init__(self, max_entries: int = 2000, ttl_seconds: float = 60.0) -> None:
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, page = entry
            if time.monotonic() - stored_at > self.ttl_seconds:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return page

    def set(self, key: Hashable, page: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), page)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
