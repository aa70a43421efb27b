"""Helpers of the referral tests: sign up through a member's link, the way a browser does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import commit
from app.extensions import db
from app.referrals import capture, codes
from app.referrals.models import Referral
from tests.accounts.test_registration import deliver, finish, link_in, sign_up
from tests.ambassadors.conftest import community, run_identify  # noqa: F401 (fixtures)

FRIEND_IP = "203.0.113.9"


def code_for(user: User) -> str:
    code = codes.ensure_code(user.id)
    commit()
    return code


def sign_up_through(client: Any, inbox: Any, code: str | None, username: str,
                    email: str | None = None, ip: str = FRIEND_IP) -> User:  # fmt: skip
    """Follow the link (if any), sign up, open the emailed link and finish, from one browser."""
    client.environ_base["REMOTE_ADDR"] = ip
    if code is not None:
        assert client.get(f"/r/{code}").status_code == 302
    email = email or f"{username}@example.org"
    assert sign_up(client, username, email).status_code == 302
    deliver()
    (message,) = [m for m in inbox.messages if m["To"] == email.lower()]
    assert finish(client, link_in(message, "/register/confirm")).status_code == 302
    return db.session.scalars(select(User).where(User.username == username)).one()


def referral_of(user: User) -> Referral | None:
    return db.session.scalar(
        select(Referral)
        .where(Referral.referred_id == user.id)
        .execution_options(populate_existing=True)
    )


@pytest.fixture
def refer(app: Any) -> Any:
    """A pending referral of ``friend`` by ``referrer``, recorded as the sign-up does."""

    def make(referrer: User, friend: User, at: Any = None) -> Referral:
        at = at or now_utc()
        touch = capture.FirstTouch(referrer.id, capture.new_visitor_id(), at - timedelta(hours=1))
        referral = capture.record_referral(friend.id, touch, "198.51.100.7", at)
        commit()
        assert referral is not None
        return referral

    return make
