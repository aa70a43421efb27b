"""Logins end on the server: a copy of the cookies stops working after logout."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from app import create_app
from app.accounts import sessions
from app.accounts.models import MemberSession
from app.core.clock import now_utc
from app.core.events import commit
from app.extensions import db
from tests.conftest import PASSWORD


def _csrf(page) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page.text).group(1)


def log_in(app, login: str = "alice", remember: bool = False):
    """A browser logged in through the login page's own form."""
    browser = app.test_client()
    page = browser.get("/login")
    data = {"csrf_token": _csrf(page), "login": login, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert browser.post("/login", data=data).status_code == 302
    return browser


def log_out(browser) -> None:
    home = browser.get("/")
    assert browser.post("/logout", data={"csrf_token": _csrf(home)}).status_code == 302


def logged_in(browser) -> bool:
    return browser.get("/account/profile").status_code == 200


def replay(app, **cookies):
    """A new browser carrying copies of cookies taken from another one."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def test_a_captured_session_cookie_stops_working_at_logout(app, member):
    browser = log_in(app)
    captured = browser.get_cookie("session").value
    thief = replay(app, session=captured)
    # The cookie is valid and this worker has verified (and cached) its signature.
    assert logged_in(thief)
    log_out(browser)
    assert not logged_in(browser)
    assert not logged_in(thief), "the copy is refused at once, cache or not"
    assert "Log in" in thief.get("/").text


def test_a_captured_remember_cookie_stops_working_at_logout(app, member):
    browser = log_in(app, remember=True)
    remembered = browser.get_cookie("remember_token").value
    assert logged_in(replay(app, remember_token=remembered))
    log_out(browser)
    assert not logged_in(replay(app, remember_token=remembered))


def test_logging_out_one_browser_keeps_the_others(app, member):
    laptop, phone = log_in(app), log_in(app, login="alice@example.com")
    log_out(laptop)
    assert not logged_in(laptop)
    assert logged_in(phone)


def test_log_out_everywhere_from_the_account_page(app, member, other_member):
    laptop, phone = log_in(app), log_in(app, remember=True)
    remembered = phone.get_cookie("remember_token").value
    bruno = log_in(app, login="bruno")
    page = laptop.get("/account/profile")
    form = re.search(r'<form method="post" action="(/account/logout-everywhere)">(.*?)</form>',
                     page.text, re.S)  # fmt: skip
    assert form and "Log out everywhere" in form.group(2)
    response = laptop.post(form.group(1), data={"csrf_token": _csrf(page)})
    assert response.status_code == 302
    assert not logged_in(laptop) and not logged_in(phone)
    assert not logged_in(replay(app, remember_token=remembered))
    assert logged_in(bruno), "another member's sessions are theirs"
    assert db.session.scalar(
        select(func.count()).select_from(MemberSession).where(MemberSession.user_id == member.id)
    ) == 0  # fmt: skip


def test_log_out_everywhere_needs_the_csrf_token(app, member):
    browser = log_in(app)
    assert browser.post("/account/logout-everywhere").status_code == 400
    assert logged_in(browser)


def test_remember_me_lasts_30_days_by_default(app, member):
    browser = log_in(app, remember=True)
    cookie = browser.get_cookie("remember_token")
    lasts = cookie.expires - now_utc()
    assert timedelta(days=29, hours=23) < lasts <= timedelta(days=30)
    row = db.session.scalar(select(MemberSession).where(MemberSession.user_id == member.id))
    assert row.expires_at - row.created_at == timedelta(days=30)


def test_remember_duration_is_configurable(database_url, member):
    app = create_app("testing", {"DATABASE_URL": database_url, "REMEMBER_COOKIE_DURATION": 3600})
    browser = log_in(app, remember=True)
    lasts = browser.get_cookie("remember_token").expires - now_utc()
    assert timedelta(minutes=59) < lasts <= timedelta(hours=1)


def test_an_expired_login_is_refused(app, member):
    sessions.start(member, at=now_utc() - timedelta(days=31))
    commit()
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = member.get_id()
    assert not logged_in(browser)
    log_in(app)  # a new login prunes the member's expired ones
    assert db.session.scalar(
        select(func.count()).select_from(MemberSession).where(MemberSession.user_id == member.id)
    ) == 1  # fmt: skip


def test_ids_without_a_login_key_are_refused(app, member):
    """Cookies made before member_sessions existed ("id:version") name no login."""
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = f"{member.id}:{member.session_version}"
    assert not logged_in(browser)


def test_a_password_change_keeps_this_browser_and_ends_the_others(app, member):
    laptop, phone = log_in(app), log_in(app)
    page = laptop.get("/account/password")
    response = laptop.post("/account/password", data={
        "csrf_token": _csrf(page), "current_password": PASSWORD,
        "password": "another-long-phrase", "password_confirm": "another-long-phrase",
    })  # fmt: skip
    assert response.status_code == 302
    assert logged_in(laptop) and not logged_in(phone)
