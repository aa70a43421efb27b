"""Two runs at once never convert a referral twice, nor let two conversions of one
referrer take the last place under the daily cap (meaningful on PostgreSQL; SQLite has
one writer at a time)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from app.accounts.models import User
from app.badges.models import LedgerEntry
from app.core.clock import now_utc
from app.core.events import commit
from app.extensions import db
from app.referrals import codes, conversion
from app.referrals.models import Referral, ReferralCode
from tests.support import at_once

pytestmark = pytest.mark.committed


def in_thread(app, work):
    def run(i: int):
        with app.app_context():
            try:
                result = work(i)
                commit()
                return result
            finally:
                db.session.remove()

    return run


def test_two_runs_at_once_convert_one_referral_once(app, member, make_user, make_topic, refer):
    friend = make_user("friend")
    referral_id = refer(member, friend).id
    make_topic(friend)
    as_of = now_utc() + timedelta(days=8)
    results = at_once(4, in_thread(app, lambda i: conversion.convert_due(as_of)))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r["converted"] for r in results) == 1
    entries = db.session.scalar(
        select(func.count(LedgerEntry.id)).where(LedgerEntry.action == "referral")
    )
    assert entries == 1
    assert db.session.scalar(select(User.points).where(User.id == member.id)) == 25
    assert db.session.get(Referral, referral_id).state == "converted"


def test_the_daily_cap_holds_when_conversions_race(app, member, make_user, refer):
    app.config["REFERRAL_DAILY_CAP"] = 1
    ids = [refer(member, make_user(f"friend{n}")).id for n in range(3)]
    results = at_once(3, in_thread(app, lambda i: conversion.convert(ids[i], "purchase")))
    assert sorted(map(str, results)) == ["converted", "refused", "refused"], results
    reasons = db.session.scalars(select(Referral.reason).where(Referral.state == "refused"))
    assert set(reasons) == {"daily_cap"}
    assert db.session.scalar(select(User.points).where(User.id == member.id)) == 25


def test_pages_opened_at_once_give_a_member_one_code(app, member):
    """Two first visits of /me/referrals at once (ensure_code) draw one code, seen by both."""
    member_id = member.id  # read here: the threads must not load it through this session
    db.session.execute(delete(ReferralCode).where(ReferralCode.user_id == member_id))
    commit()
    results = at_once(4, in_thread(app, lambda i: codes.ensure_code(member_id)))
    assert not [r for r in results if isinstance(r, BaseException)], results
    stored = db.session.scalars(
        select(ReferralCode.code).where(ReferralCode.user_id == member_id)
    ).all()
    assert len(stored) == 1
    assert set(results) == set(stored)
