"""Failed logins are limited per account (however it is typed) and per address; only
failures count, and a member's own browsers keep their tries during a guessing attack."""

import re

import pytest

from app import create_app
from tests.conftest import PASSWORD


def _csrf(page) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)


@pytest.fixture
def limited(database_url, member, other_member):
    """Tribune with rate limits on (the test configuration turns them off)."""

    def build(**config):
        return create_app(
            "testing", {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": True, **config}
        )

    return build


def attempt(browser, login: str, password: str) -> int:
    page = browser.get("/login")
    data = {"csrf_token": _csrf(page), "login": login, "password": password}
    status = browser.post("/login", data=data).status_code
    if status == 302:  # logged in: log out again, as the next attempt needs the form
        home = browser.get("/")
        browser.post("/logout", data={"csrf_token": _csrf_any(home)})
    return status


def _csrf_any(page) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page.text).group(1)


def browser_at(app, address: str):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def test_the_account_limit_is_keyed_on_the_account_not_the_text(limited):
    app = limited(LOGIN_LIMIT_PER_ACCOUNT="3/minute")
    browser = app.test_client()
    typed = ["alice", "ALICE@example.com", "  Alice "]
    assert [attempt(browser, login, "wrong-password") for login in typed] == [422] * 3
    assert attempt(browser, "alice@example.com", "wrong-password") == 429
    assert attempt(browser, "Alice", PASSWORD) == 429, "blocked for this browser, right or not"
    assert attempt(browser, "bruno", "wrong-password") == 422, "bruno's tries are his own"


def test_logins_naming_nobody_are_keyed_on_their_normalized_text(limited):
    app = limited(LOGIN_LIMIT_PER_ACCOUNT="2/minute")
    browser = app.test_client()
    assert [attempt(browser, login, "x-y-z-w-v") for login in ("Nobody", " nobody")] == [422] * 2
    assert attempt(browser, "NOBODY", "x-y-z-w-v") == 429

    # Odd text is a key too, never a lookup that fails (the login form refuses it after).
    from app.accounts import login_limits

    with app.test_request_context("/login", method="POST", data={"login": "nobody\x00"}):
        assert login_limits.account_key() == "login-unknown:'nobody\\x00'"


def test_successful_logins_do_not_count(limited):
    app = limited(LOGIN_LIMIT_PER_ACCOUNT="3/minute", LOGIN_LIMIT_PER_IP="3/minute")
    browser = app.test_client()
    assert [attempt(browser, "alice", PASSWORD) for _ in range(5)] == [302] * 5
    assert [attempt(browser, "alice", "wrong-password") for _ in range(3)] == [422] * 3
    assert attempt(browser, "alice", PASSWORD) == 429


def test_the_address_limit_counts_failures_on_any_account(limited):
    app = limited(LOGIN_LIMIT_PER_IP="3/minute")
    guesser = browser_at(app, "192.0.2.10")
    # An office behind one address: its members' logins do not use up its tries.
    assert [attempt(guesser, login, PASSWORD) for login in ("alice", "bruno") * 2] == [302] * 4
    failures = [attempt(guesser, login, "wrong-password") for login in ("alice", "bruno", "zoe")]
    assert failures == [422] * 3
    assert attempt(guesser, "carla", "wrong-password") == 429
    assert attempt(browser_at(app, "192.0.2.11"), "alice", PASSWORD) == 302


def test_a_guessing_attack_does_not_lock_the_owner_out_of_their_own_browser(limited):
    app = limited(LOGIN_LIMIT_PER_ACCOUNT="3/minute")
    laptop = browser_at(app, "198.51.100.1")
    assert attempt(laptop, "alice", PASSWORD) == 302  # the device cookie is set
    attacker = browser_at(app, "203.0.113.9")
    assert [attempt(attacker, "alice", f"guess-{n}") for n in range(4)] == [422] * 3 + [429]
    assert attempt(browser_at(app, "198.51.100.2"), "alice", PASSWORD) == 429, "a new browser waits"
    assert attempt(laptop, "alice@example.com", PASSWORD) == 302, "the owner's browser does not"
    # The owner's browser has its own tries, no more.
    assert [attempt(laptop, "alice", "typo-typo") for _ in range(4)] == [422] * 3 + [429]


def test_a_forged_device_cookie_is_a_stranger(limited):
    app = limited(LOGIN_LIMIT_PER_ACCOUNT="2/minute")
    attacker = app.test_client()
    attacker.set_cookie("tribune_device", "forged.cookie.value")
    assert [attempt(attacker, "alice", f"guess-{n}") for n in range(2)] == [422] * 2
    assert attempt(app.test_client(), "alice", PASSWORD) == 429
