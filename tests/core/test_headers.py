"""Security headers on every response: pages, error pages, static files; HSTS in production."""

import pytest

from app import create_app
from app.core.headers import TABLE_ALIGNMENT_STYLES, _style_hash


def _directives(response):
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def assert_secure(response):
    csp = _directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"], "no inline script, no other origin"
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'none'"] and csp["object-src"] == ["'none'"]
    # Inline styles only for markdown tables' alignment, by hash: never 'unsafe-inline'.
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert csp["style-src"][:2] == ["'self'", "'unsafe-hashes'"]
    assert set(csp["style-src"][2:]) == {_style_hash(s) for s in TABLE_ALIGNMENT_STYLES}
    assert csp["img-src"] == ["'self'", "data:", "https:"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_headers_on_pages(client, member, login):
    assert_secure(client.get("/"))
    assert_secure(client.get("/login"))
    assert_secure(login(member).get("/manage/queue"))  # a 403 for a member


def test_headers_on_error_pages(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    assert_secure(client.get("/no/such/page"))
    assert_secure(client.post("/login", data={"login": "x", "password": "y"}))  # CSRF: 400
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert_secure(response)


def test_headers_on_static_files(client):
    response = client.get("/static/css/tribune.css")
    assert response.status_code == 200
    assert_secure(response)
    response.close()


def test_hsts_in_production_only(client, database_url, tmp_path, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/").headers
    monkeypatch.setenv("TRIBUNE_INSTANCE_PATH", str(tmp_path))
    production = create_app(
        "production",
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "s" * 32,
            "BASE_URL": "https://localhost",
            "RATELIMIT_ENABLED": False,
        },
    )
    response = production.test_client().get("/static/css/tribune.css")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert_secure(response)
    response.close()


@pytest.mark.parametrize(
    ("rule", "alignment"), [(":-", "left"), ("-:", "right"), (":-:", "center")]
)
def test_the_allowed_style_hashes_are_what_markdown_writes(rule, alignment):
    from app.core.text import cook

    assert f'style="text-align:{alignment}"' in cook(f"|a|\n|{rule}|\n|1|")
