"""Tribune: a brand's customer community forum with gamification built in."""

from __future__ import annotations

import os
import secrets
import sqlite3
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import config as config_module
from app.extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def create_app(config: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application. No side effects beyond reading configuration."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("TRIBUNE_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        static_folder=str(PROJECT_ROOT / "static"),
    )
    _load_config(app, config or os.environ.get("TRIBUNE_CONFIG", "development"), overrides)
    if app.config["PROXY_HOPS"]:
        # Client addresses (rate limits, registration IPs) come from the proxy's header.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    # Ids in URLs stop at the database's integer range: a longer number is a 404, not
    # an overflow in the database driver (a 500).
    app.url_map.converters["int"] = BoundedIntConverter
    _register_extensions(app)
    _register_packages(app)
    return app


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _load_config(app: Flask, name: str, overrides: dict[str, Any] | None) -> None:
    if name not in config_module.CONFIGS:
        raise RuntimeError(f"TRIBUNE_CONFIG must be one of {sorted(config_module.CONFIGS)}")
    app.config.from_object(config_module.CONFIGS[name])
    app.config.from_pyfile("tribune.cfg", silent=True)
    app.config.update(config_module.env_overrides())
    app.config.update(overrides or {})

    if not app.config.get("DATABASE_URL"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'tribune.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if app.config["DATABASE_URL"].startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_pre_ping", True)

    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]

    if not app.config.get("SECRET_KEY"):
        if name == "production":
            raise RuntimeError("TRIBUNE_SECRET_KEY is required in production.")
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    _site_address(app, production=name == "production")


def _site_address(app: Flask, *, production: bool) -> None:
    """BASE_URL checked (required in production) and TRUSTED_HOSTS defaulted from it."""
    base_url = str(app.config.get("BASE_URL") or "")
    if not base_url:
        if production:
            raise RuntimeError(
                "TRIBUNE_BASE_URL is required in production: the site's public address, "
                "e.g. https://forum.brand.example (links in mail are built from it)."
            )
        base_url = DEVELOPMENT_BASE_URL
        app.extensions["tribune.base_url_default"] = True  # `tribune run` may replace it
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuntimeError(f"TRIBUNE_BASE_URL must be an http(s) address, not {base_url!r}.")
    app.config["BASE_URL"] = base_url.rstrip("/")
    hosts = app.config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):  # TRIBUNE_TRUSTED_HOSTS=a.example,b.example
        hosts = [host.strip() for host in hosts.split(",") if host.strip()]
    if hosts is None and production:
        hosts = [parts.hostname]
    app.config["TRUSTED_HOSTS"] = hosts


def _instance_secret_key(instance: Path) -> str:
    """A development secret generated once and kept in the instance folder."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL lets readers and one writer work together; the busy timeout makes writers wait."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _register_extensions(app: Flask) -> None:
    db.init_app(app)
    _close_connections_when_freed(app)
    # Batch mode: SQLite alters tables by copying them, and Alembic does that for us.
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from app.core.i18n import init_app as init_i18n

    init_i18n(app, babel)


def _close_connections_when_freed(app: Flask) -> None:
    """An application that is dropped (tests make hundreds) closes its pooled connections,
    rather than leaving them to the garbage collector. Holds the application weakly."""
    with app.app_context():
        engines = list(db.engines.values())
    finalizer = weakref.finalize(app, _dispose, engines)
    finalizer.atexit = False  # at exit the process closes them anyway


def _dispose(engines: list[Engine]) -> None:
    for engine in engines:
        engine.dispose()


def _register_packages(app: Flask) -> None:
    from app import accounts, ambassadors, badges, core, demo, forum, interchange, moderation

    core.init_app(app)
    accounts.init_app(app)
    forum.init_app(app)
    # The forum's pages, apart from its domain (which never imports them).
    from app.forum import pages as forum_pages

    forum_pages.init_app(app)
    from app import notification_mail  # a sibling of the forum

    notification_mail.init_app(app)
    badges.init_app(app)
    moderation.init_app(app)
    ambassadors.init_app(app)
    from app import invitations  # the top of the house, beside interchange and demo

    invitations.init_app(app)
    from app import insights  # a sibling of invitations

    insights.init_app(app)
    from app import referrals  # a sibling of invitations

    referrals.init_app(app)
    from app import rewards  # a sibling of invitations

    rewards.init_app(app)
    interchange.init_app(app)
    demo.init_app(app)
