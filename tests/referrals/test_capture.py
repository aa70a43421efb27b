"""A visit through a member's link, remembered 30 days (first touch), and the sign-up
after it recorded as a referral: pending, never converted at sign-up; self-referrals
refused with their reason."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from app.extensions import db
from app.referrals import capture
from app.referrals.models import PENDING, REFUSED, ReferralVisit
from tests.referrals.conftest import FRIEND_IP, code_for, referral_of, sign_up_through


def cookie(client, name: str):
    return client.get_cookie(name)


def test_a_sign_up_after_a_visit_is_a_pending_referral_of_the_links_member(client, inbox, member):
    code = code_for(member)
    response = client.get(f"/r/{code}")
    assert response.status_code == 302 and response.location == "/register"
    touch = cookie(client, capture.FIRST_TOUCH_COOKIE)
    assert touch.http_only and touch.same_site == "Lax"
    assert touch.max_age == 30 * 86400
    assert cookie(client, capture.VISITOR_COOKIE).http_only

    friend = sign_up_through(client, inbox, None, "newfriend")
    referral = referral_of(friend)
    assert referral.referrer_id == member.id
    assert referral.state == PENDING, "never converted at sign-up"
    assert referral.reason is None and referral.decided_at is None
    assert referral.ip_hash and FRIEND_IP not in referral.ip_hash, "the address is hashed"
    assert db.session.scalar(select(func.count(ReferralVisit.id))) == 1


def test_the_first_link_followed_wins(client, inbox, member, other_member):
    first, second = code_for(member), code_for(other_member)
    client.get(f"/r/{first}")
    client.get(f"/r/{second}")
    friend = sign_up_through(client, inbox, None, "newfriend")
    assert referral_of(friend).referrer_id == member.id
    # Both visits are counted in the funnel, once per browser and member.
    client.get(f"/r/{second}")
    assert db.session.scalar(select(func.count(ReferralVisit.id))) == 2


def test_a_visit_older_than_the_window_is_forgotten(client, inbox, member, monkeypatch):
    code = code_for(member)
    then = time.time() - 31 * 86400
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: then)
    client.get(f"/r/{code}")
    monkeypatch.undo()
    friend = sign_up_through(client, inbox, None, "latecomer")
    assert referral_of(friend) is None


def test_a_sign_up_without_a_visit_is_nobodys_referral(client, inbox, member):
    friend = sign_up_through(client, inbox, None, "onmyown")
    assert referral_of(friend) is None


def test_an_unknown_or_odd_code_sets_no_first_touch(client, member):
    for code in ("zzzzzzzz", "x" * 500, "%00", "ÉÉ"):
        assert client.get(f"/r/{code}").status_code in (302, 404)
    assert cookie(client, capture.FIRST_TOUCH_COOKIE) is None


def test_a_forged_first_touch_cookie_is_ignored(client, inbox, member):
    client.set_cookie(capture.FIRST_TOUCH_COOKIE, f'{{"r": {member.id}}}')
    friend = sign_up_through(client, inbox, None, "forger")
    assert referral_of(friend) is None


def test_the_same_mailbox_is_refused(client, inbox, make_user):
    referrer = make_user("gina", email="gina.m@gmail.com")
    friend = sign_up_through(client, inbox, code_for(referrer), "gina2", "ginam+2@gmail.com")
    referral = referral_of(friend)
    assert (referral.state, referral.reason) == (REFUSED, "same_email")


def test_the_same_registration_address_is_refused(client, inbox, make_user):
    referrer = make_user("hugo", registration_ip=FRIEND_IP)
    friend = sign_up_through(client, inbox, code_for(referrer), "hugo2")
    referral = referral_of(friend)
    assert (referral.state, referral.reason) == (REFUSED, "same_ip")


def test_the_referrers_own_browser_is_refused(app, client, inbox, member, login):
    code = code_for(member)
    # The member opens their referral page in this browser, logged in, then logs out.
    logged = login(member)
    logged.client = client
    with client.session_transaction() as session:
        session["_user_id"] = member.get_id()
        session["_fresh"] = True
    assert client.get("/me/referrals").status_code == 200
    with client.session_transaction() as session:
        session.clear()
    friend = sign_up_through(client, inbox, code, "sockpuppet")
    referral = referral_of(friend)
    assert (referral.state, referral.reason) == (REFUSED, "same_browser")


def test_another_browser_of_a_different_person_is_not_refused(app, inbox, member, login):
    logged = login(member)
    assert logged.get("/me/referrals").status_code == 200  # the member's own browser
    friend_browser = app.test_client()
    friend = sign_up_through(friend_browser, inbox, code_for(member), "realfriend")
    assert referral_of(friend).state == PENDING


def test_every_new_member_gets_a_code(make_user):
    from app.referrals.codes import CODE_PATTERN, code_of

    user = make_user("carla")
    assert CODE_PATTERN.match(code_of(user.id))


def test_the_first_touch_is_spent_by_the_sign_up(client, inbox, member):
    first = sign_up_through(client, inbox, code_for(member), "firstfriend")
    assert referral_of(first).state == PENDING
    assert cookie(client, capture.FIRST_TOUCH_COOKIE) is None
    with client.session_transaction() as session:
        session.clear()  # logged out
    second = sign_up_through(client, inbox, None, "samebrowser")
    assert referral_of(second) is None
