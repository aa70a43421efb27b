import re

from sqlalchemy import select

from app import create_app
from app.accounts.models import User
from app.accounts.registrations import PendingRegistration
from app.extensions import db
from tests.conftest import PASSWORD


def csrf_from(response) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def test_register_form_errors_keep_the_input(client):
    page = client.get("/register")
    response = client.post(
        "/register",
        data={
            "csrf_token": csrf_from(page),
            "username": "newbie",
            "email": "newbie@example.com",
            "password": "password123",
            "password_confirm": "password123",
        },
    )
    assert response.status_code == 422
    assert "too common" in response.text
    assert 'value="newbie@example.com"' in response.text
    assert db.session.query(User).count() == 0


def test_missing_csrf_token_is_a_400(client, member):
    response = client.post("/login", data={"login": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.text


def test_login_logout_and_remember_me(client, member):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page),
            "login": "alice@example.com",
            "password": PASSWORD,
            "remember": "y",
        },
    )
    assert response.status_code == 302
    assert "remember_token" in " ".join(response.headers.getlist("Set-Cookie"))
    home = client.get("/")
    assert "alice" in home.text and "Log out" in home.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
    client.post("/logout", data={"csrf_token": token})
    assert "Log in" in client.get("/").text


def test_wrong_password_is_a_form_error(client, member):
    page = client.get("/login")
    response = client.post(
        "/login", data={"csrf_token": csrf_from(page), "login": "alice", "password": "nope-nope"}
    )
    assert response.status_code == 422
    assert "Wrong username/email or password." in response.text


def test_login_is_rate_limited_per_account(database_url, member):
    limited = create_app(
        "testing",
        {
            "DATABASE_URL": database_url,
            "RATELIMIT_ENABLED": True,
            "LOGIN_LIMIT_PER_ACCOUNT": "3/minute",
        },
    )
    client = limited.test_client()
    statuses = []
    for password in ["bad-pass-1", "bad-pass-2", "bad-pass-3", PASSWORD]:
        page = client.get("/login")
        data = {"csrf_token": csrf_from(page), "login": "alice", "password": password}
        statuses.append(client.post("/login", data=data).status_code)
    assert statuses == [422, 422, 422, 429], "even the right password waits once blocked"
    # Another account from the same address is not blocked by alice's limit.
    page = client.get("/login")
    other = client.post(
        "/login", data={"csrf_token": csrf_from(page), "login": "zoe", "password": "x-y-z-w"}
    )
    assert other.status_code == 422


def test_change_password_logs_out_other_sessions(app, member, login):
    other_browser = login(member)
    this_browser = login(member)
    response = this_browser.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "brand-new-phrase-1",
            "password_confirm": "brand-new-phrase-1",
        },
    )
    assert response.status_code == 302
    assert this_browser.get("/account/profile").status_code == 200
    assert other_browser.get("/account/profile").status_code == 302, "old session ends"


def test_profile_edit_and_language_preference(member, login):
    browser = login(member)
    response = browser.post("/account/profile", data={"bio": "I love espresso", "locale": "fr"})
    assert response.status_code == 302
    page = browser.get("/u/alice")
    assert "I love espresso" in page.text
    assert 'lang="fr"' in page.text and "Membre depuis" in page.text


def test_unknown_profile_is_404(client):
    assert client.get("/u/nobody").status_code == 404


def test_registration_ip_comes_from_the_proxy_when_configured(app, database_url):
    proxied = create_app("testing", {"DATABASE_URL": database_url, "PROXY_HOPS": 1})
    client = proxied.test_client()
    headers = {"X-Forwarded-For": "203.0.113.9"}
    page = client.get("/register", headers=headers)
    response = client.post(
        "/register",
        headers=headers,
        data={
            "csrf_token": csrf_from(page),
            "username": "proxied",
            "email": "proxied@example.com",
            "password": "my-long-secret-phrase",
            "password_confirm": "my-long-secret-phrase",
        },
    )
    assert response.status_code == 302
    with proxied.app_context():
        pending = db.session.scalars(select(PendingRegistration)).one()
        assert pending.registration_ip == "203.0.113.9"
