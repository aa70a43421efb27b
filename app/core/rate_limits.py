"""Rate limits that never take the site down, and that say where they are kept.

Flask-Limiter keeps its counts in RATELIMIT_STORAGE_URI: memory:// (each worker
process counts apart, so N workers allow N times each limit) or Redis
(TRIBUNE_REDIS_URL, shared by every worker and node). If Redis cannot be reached, the
limiter counts in memory instead (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED), checks again
after 1, 2, 4 ... 32 seconds and goes back to Redis when it answers; errors while
counting are logged, never a 500 (RATELIMIT_SWALLOW_ERRORS). Flask-Limiter logs that to
its own logger, which has no handler of its own: this module passes its warnings, and
the message that the storage recovered, to the application's log.
"""

from __future__ import annotations

import logging

from flask import Flask

LIMITER_LOGGER = "flask-limiter"
RECOVERED = "Rate limit storage recovered"


class _ToApplicationLog(logging.Handler):
    """Hands Flask-Limiter's warnings and errors, and its recovery, to ``target``."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def filter(self, record: logging.LogRecord) -> bool:
        # Breaches are logged at INFO with their keys (what was typed as a login): not those.
        return record.levelno >= logging.WARNING or record.getMessage() == RECOVERED

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(self.target).handle(record)


def init_app(app: Flask) -> None:
    limiter_log = logging.getLogger(LIMITER_LOGGER)
    if not any(isinstance(h, _ToApplicationLog) for h in limiter_log.handlers):
        limiter_log.addHandler(_ToApplicationLog(app.logger.name))
        limiter_log.propagate = False  # it reaches the root through the application's log
        if limiter_log.level == logging.NOTSET or limiter_log.level > logging.INFO:
            limiter_log.setLevel(logging.INFO)  # for the recovery message
    storage = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if app.config["ENV_NAME"] == "production" and storage.startswith("memory://"):
        app.logger.warning(
            "Rate limits are counted in each worker's memory (RATELIMIT_STORAGE_URI=%s): with"
            " several gunicorn workers or nodes every limit is multiplied by their number."
            " Set TRIBUNE_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to share them.",
            storage,
        )
