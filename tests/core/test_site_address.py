"""Links that leave the request are built from BASE_URL, never from the request's Host;
in production a request for another host is refused (TRUSTED_HOSTS)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.cli import ScriptInfo

from app import create_app
from app.core import jobs_cli
from app.core.scheduler import run_job
from app.core.urls import external_url
from tests.conftest import IsolatedClient

SITE = "https://forum.brand.example"


def test_production_requires_a_site_address(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIBUNE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRIBUNE_SECRET_KEY", "s" * 64)
    monkeypatch.delenv("TRIBUNE_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="TRIBUNE_BASE_URL"):
        create_app("production")
    monkeypatch.setenv("TRIBUNE_BASE_URL", "forum.brand.example")  # no scheme: a typo
    with pytest.raises(RuntimeError, match="TRIBUNE_BASE_URL"):
        create_app("production")


def test_development_defaults_to_the_local_address_and_trusts_any_host(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIBUNE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("TRIBUNE_BASE_URL", raising=False)
    app = create_app("development")
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    assert app.config["TRUSTED_HOSTS"] is None


def test_external_url_ignores_the_request_host(app):
    app.config["BASE_URL"] = "https://brand.example/community/"
    with app.test_request_context("/", base_url="http://evil.example"):
        assert external_url("accounts.login") == "https://brand.example/community/login"
    assert external_url("forum.post", post_id=3) == "https://brand.example/community/p/3"


@pytest.fixture
def production(app: Flask, database_url: str, tmp_path: Any) -> Flask:
    """The production configuration on the test database (emptied by ``app``)."""
    prod = create_app(
        "production",
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "p" * 64,
            "BASE_URL": SITE,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        },
    )
    prod.instance_path = str(tmp_path)
    prod.test_client_class = IsolatedClient
    return prod


def test_production_refuses_a_request_for_another_host(production):
    assert production.config["TRUSTED_HOSTS"] == ["forum.brand.example"]
    client = production.test_client()
    assert client.get("/login", base_url="http://evil.example").status_code == 400
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", base_url=SITE).status_code == 200


def _reset_link(client: Any, app: Flask, inbox: Any, **request: Any) -> str:
    with app.app_context():
        response = client.post("/account/reset", data={"email": "alice@example.com"}, **request)
        assert response.status_code == 302
        assert run_job("deliver-mail").outcome == "success"
    (message,) = inbox.messages
    body = message.get_payload(decode=True).decode()
    match = re.search(r"\S+/account/reset/\S+", body)
    assert match, body
    return match.group(0)


def test_a_reset_link_uses_the_site_address_whatever_the_host_in_development(
    app, client, make_user, inbox
):
    make_user("alice")
    app.config["BASE_URL"] = "http://127.0.0.1:5000"
    page = client.get("/account/reset", base_url="http://evil.example").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/account/reset",
        data={"email": "alice@example.com", "csrf_token": token},
        base_url="http://evil.example",
    )
    assert response.status_code == 302
    assert run_job("deliver-mail").outcome == "success"
    (message,) = inbox.messages
    body = message.get_payload(decode=True).decode()
    assert "evil.example" not in body
    assert re.search(r"http://127\.0\.0\.1:5000/account/reset/\S+", body), body


def test_a_reset_link_uses_the_site_address_whatever_the_host_in_production(
    production, make_user, inbox, smtp_server
):
    make_user("alice")
    # Even an operator who lets another name through gets links to the site address.
    production.config.update(
        TRUSTED_HOSTS=["forum.brand.example", "evil.example"],
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
    )
    link = _reset_link(production.test_client(), production, inbox, base_url="https://evil.example")
    assert link.startswith(f"{SITE}/account/reset/")


def _run(app: Flask, args: list[str], monkeypatch: Any) -> tuple[Result, list[str]]:
    seen: list[str] = []
    monkeypatch.setattr(
        "flask.cli.run_simple",
        lambda host, port, served_app, **kw: seen.append(served_app.config["BASE_URL"]),
    )
    monkeypatch.setattr(jobs_cli, "start_in_process", lambda a, use_reloader: None)
    result = app.test_cli_runner().invoke(
        jobs_cli.run_command, [*args, "--no-reload"], obj=ScriptInfo(create_app=lambda: app)
    )
    return result, seen


def test_tribune_run_sets_the_site_address_to_where_it_serves(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIBUNE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("TRIBUNE_BASE_URL", raising=False)
    result, seen = _run(create_app("development"), ["--port", "5007"], monkeypatch)
    assert result.exit_code == 0, result.output
    assert seen == ["http://127.0.0.1:5007"]
    # A configured address is kept (a proxy in front of the development server).
    monkeypatch.setenv("TRIBUNE_BASE_URL", "https://dev.brand.example")
    result, seen = _run(create_app("development"), ["--port", "5007"], monkeypatch)
    assert seen == ["https://dev.brand.example"]
