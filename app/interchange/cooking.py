"""Bodies cooked for an import: Markdown rendering is most of an import's work per post,
so with several cores it runs in worker processes while the importer writes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from app.core.text import render_body

# Below this many bodies a batch is cooked in the importing process (no round trip).
POOL_THRESHOLD = 64

Job = tuple[str, str, str]  # (body, "markdown" or "html", the title or "")
Cooked = tuple[str, str]  # (safe HTML, search text)


def cook_body(job: Job) -> Cooked:
    """A body as a new post's would be: sanitized HTML and its search normal form."""
    body, body_format, title = job
    return render_body(body, body_format, title)


class Cook(Protocol):
    def __call__(self, jobs: list[Job]) -> list[Cooked]: ...


def in_process(jobs: list[Job]) -> list[Cooked]:
    return [cook_body(job) for job in jobs]


@contextmanager
def cooks(workers: int) -> Iterator[Cook]:
    """A function cooking a list of bodies, in ``workers`` processes (0: in this one).

    The processes start with the first batch large enough to be worth them.
    """
    pool: Any = None

    def cook_batch(jobs: list[Job]) -> list[Cooked]:
        nonlocal pool
        if workers <= 0 or len(jobs) < POOL_THRESHOLD:
            return in_process(jobs)
        if pool is None:
            # forkserver: workers start clean, without copies of the importer's connections.
            pool = multiprocessing.get_context("forkserver").Pool(workers)
        return pool.map(cook_body, jobs, chunksize=max(16, len(jobs) // (workers * 4)))

    try:
        yield cook_batch
    finally:
        if pool is not None:
            pool.close()
            pool.join()
