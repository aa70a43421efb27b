"""Browser tests: a live Tribune on its own SQLite file, driven by Debian's chromium.

Nothing here touches the database of the main suite (``database_url``/``app`` in
tests/conftest.py): the live server builds its own application on a file in a
temporary folder, migrates it and serves it from a thread on a free port. CSRF stays
on, so the browser posts the real forms.

The tests are skipped, not failed, when /usr/bin/chromium or the playwright package
is missing. ``playwright install`` is never run: the Debian browser is used as is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask, got_request_exception
from flask_migrate import upgrade
from werkzeug.serving import BaseWSGIServer, make_server

from app import create_app
from app.accounts import services as account_services
from app.accounts.models import User
from app.core.events import commit
from app.extensions import db
from app.forum.categories import create_category

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "correct-horse-battery"
CATEGORY_NAME = "Help"
CATEGORY_SLUG = "help"
# Auto-waiting locators give up after this long: a page that never comes fails fast.
TIMEOUT_MS = 10_000


@dataclass
class LiveServer:
    """The running application: its base URL, and the app for service calls."""

    app: Flask
    url: str
    errors: list[BaseException] = field(default_factory=list)

    def services(self) -> AbstractContextManager[Any]:
        """A context to call the services in, as a page would.

        A request context, not a bare app context: with SERVER_NAME unset, the
        notification listeners that run on commit() need one to build their links.
        """
        return self.app.test_request_context("/")

    def create_user(self, username: str, password: str = PASSWORD) -> User:
        """A member made through the accounts service (call inside services())."""
        user = account_services.create_user(username, f"{username}@example.com", password)
        commit()
        return user


def _skip_without_browser() -> None:
    pytest.importorskip(
        "playwright.sync_api",
        reason="the playwright package cannot be imported: pip install -e '.[test]'",
    )
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} does not exist: apt-get install chromium to run browser tests")


@pytest.fixture(scope="session")
def e2e_available() -> None:
    """Skip every browser test early, before a server is started, when it cannot run."""
    _skip_without_browser()


@pytest.fixture(scope="module")
def live_server(
    e2e_available: None, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("e2e")
    # A module may set LIVE_SERVER_CONFIG (rate limits on, say): its server alone gets it.
    config = getattr(request.module, "LIVE_SERVER_CONFIG", {})
    app = create_app(
        "testing", {"DATABASE_URL": f"sqlite:///{folder / 'tribune-e2e.db'}", **config}
    )
    app.instance_path = str(folder)
    with app.app_context():
        upgrade()
        create_category(CATEGORY_NAME, CATEGORY_SLUG, "Questions about the product")
        commit()
        db.session.remove()

    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    live = LiveServer(app=app, url=f"http://127.0.0.1:{server.port}")
    app.config["BASE_URL"] = live.url  # as `tribune run` does: links in mail point here

    def record(sender: Flask, exception: BaseException, **extra: Any) -> None:
        live.errors.append(exception)

    got_request_exception.connect(record, app, weak=False)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        got_request_exception.disconnect(record, app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _no_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a browser test whose requests raised on the server, even if the page looked fine."""
    if "live_server" not in request.fixturenames:
        yield
        return
    live: LiveServer = request.getfixturevalue("live_server")
    before = len(live.errors)
    yield
    raised = live.errors[before:]
    assert not raised, f"the live server raised: {raised!r}"


@pytest.fixture(scope="module")
def e2e_browser(live_server: LiveServer) -> Iterator[Browser]:
    """One chromium per module; it depends on live_server so it closes first."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_context(
    e2e_browser: Browser, live_server: LiveServer
) -> Iterator[Callable[..., BrowserContext]]:
    """Open a fresh browser profile (own cookies) on the live server; closed after the test."""
    opened: list[BrowserContext] = []

    def open_context(**options: Any) -> BrowserContext:
        options.setdefault("locale", "en-US")
        context = e2e_browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()
