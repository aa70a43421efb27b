"""Rate limits with Redis: shared by every worker; Redis down, the site goes on and says so.

Redis runs on 127.0.0.1:6379 wherever the suite runs (CI included); these tests use its
database 7 under a key prefix of their own, and delete their keys afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import select

from app import create_app
from app.extensions import db, limiter
from app.forum.models import Post, Topic
from tests.conftest import PASSWORD, LoggedIn

REDIS = "redis://127.0.0.1:6379/7"
FALLBACK = "Rate limit storage unreachable - falling back to in-memory storage"
RECOVERED = "Rate limit storage recovered"


@pytest.fixture(autouse=True)
def _fresh_limiter() -> Iterator[None]:
    """The limiter extension outlives each test's application: start and end it healthy."""
    limiter._storage_dead = False
    limiter._Limiter__check_backend_count = 0  # its back-off before asking Redis again
    yield
    limiter._storage_dead = False


@pytest.fixture
def key_prefix() -> Iterator[str]:
    prefix = f"tribune-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    connection = redis.Redis.from_url(REDIS)
    keys = list(connection.scan_iter(f"{prefix}:*"))
    if keys:
        connection.delete(*keys)
    connection.close()


def limited(database_url: str, storage: str, key_prefix: str = "LIMITS", **config):
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "key_prefix": key_prefix}
    return create_app("testing", {
        "DATABASE_URL": database_url, "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": storage, "RATELIMIT_STORAGE_OPTIONS": options, **config,
    })  # fmt: skip


def _csrf(page) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)


def attempt_login(app, login: str, password: str, browser=None) -> int:
    browser = browser or app.test_client()
    data = {"csrf_token": _csrf(browser.get("/login")), "login": login, "password": password}
    return browser.post("/login", data=data).status_code


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_with_redis_unreachable_the_site_goes_on(database_url, member, other_member, category,
                                                 caplog):  # fmt: skip
    caplog.set_level(logging.INFO)
    app = limited(database_url, "redis://127.0.0.1:1/0", LOGIN_LIMIT_PER_ACCOUNT="3/minute")
    application_log = ListHandler()
    app.logger.addHandler(application_log)
    try:
        assert attempt_login(app, "alice", PASSWORD) == 302
    finally:
        app.logger.removeHandler(application_log)
    assert FALLBACK in application_log.messages, "said in the application's own log"
    alice, bruno = LoggedIn(app, member), LoggedIn(app, other_member)
    question = {"title": "Does it froth oat milk?", "body": "Mine hisses."}
    asked = alice.post("/new", {"category": category.id, "kind": "question", **question})
    assert asked.status_code == 302
    topic = db.session.scalar(select(Topic).where(Topic.title == "Does it froth oat milk?"))
    assert bruno.post(f"/t/{topic.id}/reply", {"body": "Use the barista kind."}).status_code == 302
    answer = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.position == 1))
    assert alice.post(f"/p/{answer.id}/vote").status_code == 302
    visitor = app.test_client()
    page = visitor.get("/account/reset")
    reset = visitor.post(
        "/account/reset", data={"csrf_token": _csrf(page), "email": "alice@example.com"}
    )
    assert reset.status_code == 302
    # The limits still hold, counted in this worker's memory meanwhile.
    assert [attempt_login(app, "bruno", "wrong-password") for _ in range(4)] == [422] * 3 + [429]


class Gate:
    """A port that forwards to the real Redis once opened: Redis down, then back."""

    def __init__(self) -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []

    def open(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        assert self.listener is not None
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(("127.0.0.1", 6379))
            self.sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()
        for sock in self.sockets:
            sock.close()


def test_the_limiter_goes_back_to_redis_when_it_answers(database_url, member, key_prefix, caplog):
    caplog.set_level(logging.INFO)
    gate = Gate()
    try:
        app = limited(database_url, f"redis://127.0.0.1:{gate.port}/7", key_prefix)
        assert attempt_login(app, "alice", "wrong-password") == 422
        assert FALLBACK in caplog.text and RECOVERED not in caplog.text
        gate.open()
        deadline = time.monotonic() + 40  # the limiter asks again after 1, 2, 4 ... seconds
        while RECOVERED not in caplog.text and time.monotonic() < deadline:
            assert attempt_login(app, "alice", "wrong-password") == 422
            time.sleep(0.5)
        assert RECOVERED in caplog.text
        assert attempt_login(app, "alice", "wrong-password") == 422
        connection = redis.Redis.from_url(REDIS)
        assert any(b"login-account" in key for key in connection.scan_iter(f"{key_prefix}:*"))
        connection.close()
    finally:
        gate.close()


WORKER = """
import json, os, re, sys
from app import create_app
config = json.loads(os.environ["WORKER_CONFIG"])
app = create_app("testing", config)
browser = app.test_client()
statuses = []
for _ in range(int(sys.argv[1])):
    page = browser.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    data = {"csrf_token": token, "login": "alice", "password": "wrong-password"}
    statuses.append(browser.post("/login", data=data).status_code)
print(json.dumps(statuses))
"""


def other_worker(config: dict, attempts: int) -> list[int]:
    """Failed logins made by another process: a second gunicorn worker."""
    env = {**os.environ, "WORKER_CONFIG": json.dumps(config)}
    done = subprocess.run([sys.executable, "-c", WORKER, str(attempts)], env=env,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "memory"])
def test_workers_share_limits_through_redis_only(database_url, member, key_prefix, shared):
    storage = REDIS if shared else "memory://"
    config = {"LOGIN_LIMIT_PER_ACCOUNT": "3/minute"}
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "key_prefix": key_prefix}
    worker_config = {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": True,
                     "RATELIMIT_STORAGE_URI": storage, "RATELIMIT_STORAGE_OPTIONS": options,
                     **config}  # fmt: skip
    assert other_worker(worker_config, 3) == [422, 422, 422]
    this_worker = limited(database_url, storage, key_prefix, **config)
    expected = 429 if shared else 422  # in memory, each worker grants 3 more tries
    assert attempt_login(this_worker, "alice", "wrong-password") == expected


def test_production_warns_when_limits_are_kept_in_memory(database_url, tmp_path, monkeypatch,
                                                         caplog):  # fmt: skip
    monkeypatch.setenv("TRIBUNE_INSTANCE_PATH", str(tmp_path))
    base = {"DATABASE_URL": database_url, "SECRET_KEY": "s" * 32, "BASE_URL": "https://localhost"}
    with caplog.at_level(logging.WARNING):
        create_app("production", base)
    assert "TRIBUNE_REDIS_URL" in caplog.text and "several gunicorn workers" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app("production", {**base, "REDIS_URL": REDIS})
        create_app("development", base)
    assert "TRIBUNE_REDIS_URL" not in caplog.text
