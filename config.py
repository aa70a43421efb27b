"""Tribune configuration.

Values come, last one winning, from: the defaults below, an optional instance file
(``instance/tribune.cfg``, Python syntax) and ``TRIBUNE_*`` environment variables
(``TRIBUNE_DATABASE_URL`` sets ``DATABASE_URL`` and so on).
"""

from __future__ import annotations

import os


class Config:
    """Defaults, suitable for one machine with an embedded SQLite database."""

    ENV_NAME = "development"
    # None means: an SQLite file in the instance folder (set by the factory).
    DATABASE_URL: str | None = None
    # None in development means: generated once and kept in instance/secret_key.
    SECRET_KEY: str | None = None
    REDIS_URL: str | None = None
    # Flask-Limiter storage; memory:// keeps counts per process.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_IP = "20/minute;200/hour"
    LOGIN_LIMIT_PER_ACCOUNT = "10/minute;50/hour"
    REGISTER_LIMIT_PER_IP = "10/hour"
    POST_LIMIT_PER_USER = "30/minute"
    VOTE_LIMIT_PER_USER = "120/minute"
    # Behind N reverse proxies, trust N X-Forwarded-For/-Proto hops (0: none).
    PROXY_HOPS = 0

    WTF_CSRF_TIME_LIMIT = None  # a form left open all afternoon still posts
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    LANGUAGES = ("fr", "en")
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"

    TOPICS_PER_PAGE = 30
    POSTS_PER_PAGE = 50
    SEARCH_RESULTS_PER_PAGE = 20
    POST_MAX_LENGTH = 32_000
    TITLE_MAX_LENGTH = 200
    # View counts are buffered in each worker and written in one UPDATE
    # once this many views or seconds have gathered.
    VIEW_FLUSH_EVERY_VIEWS = 200
    VIEW_FLUSH_EVERY_SECONDS = 30.0

    # The scheduler runs inside `tribune run` / `make run` unless turned off.
    SCHEDULER_IN_PROCESS = True


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    # Tests read English; French pages are asked for with Accept-Language.
    BABEL_DEFAULT_LOCALE = "en"
    RATELIMIT_ENABLED = False
    SCHEDULER_IN_PROCESS = False
    VIEW_FLUSH_EVERY_VIEWS = 1


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SCHEDULER_IN_PROCESS = False


CONFIGS: dict[str, type[Config]] = {
    "development": Config,
    "testing": TestConfig,
    "production": ProductionConfig,
}


def env_overrides(environ: dict[str, str] | None = None) -> dict[str, object]:
    """Every TRIBUNE_* variable, without the prefix; 'true'/'false' and integers are parsed."""
    environ = os.environ if environ is None else environ
    overrides: dict[str, object] = {}
    for key, raw in environ.items():
        if not key.startswith("TRIBUNE_") or key == "TRIBUNE_CONFIG":
            continue
        name = key.removeprefix("TRIBUNE_")
        value: object = raw
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        elif raw.isdigit():
            value = int(raw)
        overrides[name] = value
    return overrides
