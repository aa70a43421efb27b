"""A referral converts on a first contribution that stays, or on a purchase; refused for
a suspended friend or past the daily cap; rewarded with points, badges, a signal and
notifications; taken back when the friend is removed for abuse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.ambassadors import signals
from app.ambassadors.models import ExternalSignal
from app.badges.models import BadgeAward, LedgerEntry
from app.core.clock import now_utc
from app.core.events import commit
from app.core.notifications import Notification
from app.core.scheduler import run_job
from app.extensions import db
from app.forum import deletion
from app.forum.topic_state import hide_post
from app.moderation import members
from app.referrals import conversion
from app.referrals.models import CONVERTED, PENDING, REFUSED, REVERSED
from tests.referrals.conftest import referral_of


def later(days: float):
    return now_utc() + timedelta(days=days)


def convert_job(as_of):
    run = run_job("convert-referrals", as_of=as_of)
    assert run.outcome == "success", run.error
    return run.figures


def points_of(user) -> int:
    db.session.refresh(user)
    return user.points


def referral_entries(user_id: int) -> list[int]:
    return list(db.session.scalars(
        select(LedgerEntry.points).where(LedgerEntry.user_id == user_id,
                                         LedgerEntry.action == "referral")
        .order_by(LedgerEntry.id)
    ))  # fmt: skip


def badges_of(user_id: int) -> set[str]:
    return set(db.session.scalars(select(BadgeAward.badge).where(
        BadgeAward.user_id == user_id, BadgeAward.revoked_at.is_(None),
        BadgeAward.badge.like("referrer%"))))  # fmt: skip


def referral_signals(user_id: int) -> int:
    return db.session.scalar(select(func.count(ExternalSignal.id)).where(
        ExternalSignal.user_id == user_id, ExternalSignal.kind == "referral"))  # fmt: skip


def test_a_first_post_converts_once_it_has_stayed_seven_days(member, make_user, make_topic, refer):
    friend = make_user("friend")
    refer(member, friend)
    assert convert_job(later(30))["converted"] == 0, "no contribution, no conversion"
    make_topic(friend)
    before = points_of(member)
    assert convert_job(later(6.9))["converted"] == 0, "not before the stay window"
    assert referral_of(friend).state == PENDING
    assert convert_job(later(7.1))["converted"] == 1
    referral = referral_of(friend)
    assert (referral.state, referral.converted_via) == (CONVERTED, "post")
    assert points_of(member) == before + 25
    assert referral_entries(member.id) == [25]
    assert badges_of(member.id) == {"referrer"}
    assert referral_signals(member.id) == 1
    kinds = dict(db.session.execute(select(Notification.user_id, Notification.kind).where(
        Notification.kind.like("referrals.%"))).all())  # fmt: skip
    assert kinds == {member.id: "referrals.converted", friend.id: "referrals.counted"}
    assert convert_job(later(8))["converted"] == 0, "converted once"
    assert referral_entries(member.id) == [25]


def test_an_answer_counts_as_a_first_contribution(member, make_user, make_topic, make_answer,
                                                   refer):  # fmt: skip
    friend = make_user("friend")
    refer(member, friend)
    make_answer(friend, make_topic(member))
    assert convert_job(later(8))["converted"] == 1


@pytest.mark.parametrize("undo", ["deleted", "hidden"])
def test_a_post_deleted_or_hidden_within_the_window_does_not_count(
    member, make_user, make_topic, make_answer, refer, moderator, undo
):
    friend = make_user("friend")
    refer(member, friend)
    post = make_answer(friend, make_topic(member))
    if undo == "deleted":
        deletion.delete_post(friend, post)
    else:
        hide_post(post, "spam")
    commit()
    assert convert_job(later(8))["converted"] == 0
    assert referral_of(friend).state == PENDING
    assert points_of(member) == 0 + 2  # the topic member started, nothing more


def test_a_later_post_that_stays_still_converts(member, make_user, make_topic, refer):
    friend = make_user("friend")
    refer(member, friend)
    first = make_topic(friend, title="Deleted soon after")
    deletion.delete_post(friend, _opening(first))
    commit()
    make_topic(friend, title="This one stays")
    assert convert_job(later(8))["converted"] == 1


def _opening(topic):
    from app.forum.models import Post

    return db.session.scalars(
        select(Post).where(Post.topic_id == topic.id, Post.position == 0)
    ).one()


def test_a_purchase_signal_converts_at_once(member, make_user, refer):
    friend = make_user("friend")
    refer(member, friend)
    report = signals.import_rows([(1, {"email": friend.email, "kind": "purchase",
                                      "occurred_at": now_utc().isoformat(), "source": "shop"})],
                                 commit_batches=False)  # fmt: skip
    assert report.imported == 1
    commit()
    referral = referral_of(friend)
    assert (referral.state, referral.converted_via) == (CONVERTED, "purchase")
    assert referral_entries(member.id) == [25]


def test_a_purchase_before_the_visit_does_not_convert(member, make_user, refer):
    friend = make_user("friend")
    old = (now_utc() - timedelta(days=60)).isoformat()
    signals.import_rows([(1, {"email": friend.email, "kind": "purchase", "occurred_at": old,
                              "source": "shop"})], commit_batches=False)  # fmt: skip
    commit()
    refer(member, friend)
    assert convert_job(later(1))["converted"] == 0
    assert referral_of(friend).state == PENDING


def test_a_suspended_friend_is_refused(member, make_user, make_topic, refer, moderator):
    friend = make_user("friend")
    refer(member, friend)
    make_topic(friend)
    members.suspend(moderator, friend, 30, "spam links")
    commit()
    figures = convert_job(later(8))
    assert figures == {"converted": 0, "refused": 1}
    referral = referral_of(friend)
    assert (referral.state, referral.reason) == (REFUSED, "suspended")
    assert referral_entries(member.id) == []


def test_conversions_past_the_daily_cap_are_refused(app, member, make_user, make_topic, refer):
    app.config["REFERRAL_DAILY_CAP"] = 2
    friends = [make_user(f"friend{n}") for n in range(3)]
    for friend in friends:
        refer(member, friend)
        make_topic(friend, title=f"A question from {friend.username}")
    assert convert_job(later(8)) == {"converted": 2, "refused": 1}
    states = [(referral_of(f).state, referral_of(f).reason) for f in friends]
    assert states == [(CONVERTED, None), (CONVERTED, None), (REFUSED, "daily_cap")]
    # Another referrer's conversions are their own.
    other = make_user("otherreferrer")
    late = make_user("late")
    refer(other, late)
    make_topic(late, title="Late question")
    assert convert_job(later(8))["converted"] == 1


def test_badge_tiers_at_one_five_and_twenty(app, member, make_user, refer):
    app.config["REFERRAL_DAILY_CAP"] = 100
    tiers = {}
    for n in range(20):
        friend = make_user(f"friend{n}")
        referral = refer(member, friend)
        assert conversion.convert(referral.id, "purchase") == CONVERTED
        commit()
        tiers[n + 1] = badges_of(member.id)
    assert tiers[1] == {"referrer"}
    assert tiers[4] == {"referrer"}
    assert tiers[5] == {"referrer", "referrer-silver"}
    assert tiers[19] == {"referrer", "referrer-silver"}
    assert tiers[20] == {"referrer", "referrer-silver", "referrer-gold"}


def test_removal_for_abuse_reverses_the_points_signal_and_badge(member, make_user, refer,
                                                               moderator):  # fmt: skip
    friend = make_user("friend")
    referral = refer(member, friend)
    conversion.convert(referral.id, "purchase")
    commit()
    assert points_of(member) == 25 and badges_of(member.id) == {"referrer"}
    members.suspend(moderator, friend, 7, "a week off")
    commit()
    assert referral_of(friend).state == CONVERTED, "a suspension with an end is no removal"
    members.suspend(moderator, friend, None, "sock puppet farm")
    commit()
    referral = referral_of(friend)
    assert (referral.state, referral.reason) == (REVERSED, "removed_for_abuse")
    assert referral_entries(member.id) == [25, -25]
    assert points_of(member) == 0
    assert referral_signals(member.id) == 0
    assert badges_of(member.id) == set()


def test_a_pending_referral_of_a_removed_friend_is_refused(member, make_user, refer, moderator):
    friend = make_user("friend")
    refer(member, friend)
    members.suspend(moderator, friend, None, "spam")
    commit()
    referral = referral_of(friend)
    assert (referral.state, referral.reason) == (REFUSED, "suspended")


def test_referral_points_survive_a_rebuild_and_pass_verify(app, member, make_user, refer):
    friend = make_user("friend")
    referral = refer(member, friend)
    conversion.convert(referral.id, "purchase")
    commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["points", "rebuild", "--force"])
    assert result.exit_code == 0, result.output
    assert referral_entries(member.id) == [25]
    assert points_of(member) == 25
    result = runner.invoke(args=["points", "verify"])
    assert result.exit_code == 0, result.output
    assert "every total matches" in result.output


def test_the_stay_window_is_a_setting(app, member, make_user, make_topic, refer):
    app.config["REFERRAL_STAY_DAYS"] = 2
    friend = make_user("friend")
    refer(member, friend)
    make_topic(friend)
    assert convert_job(later(1.9))["converted"] == 0
    assert convert_job(later(2.1))["converted"] == 1


def test_referral_points_are_outside_the_daily_vote_cap(app, member, make_user, refer):
    app.config["POINTS_DAILY_VOTE_CAP"] = 0  # no vote points at all today
    referral = refer(member, make_user("friend"))
    conversion.convert(referral.id, "purchase")
    commit()
    assert referral_entries(member.id) == [25]
    capped = db.session.scalar(select(LedgerEntry.capped).where(LedgerEntry.action == "referral"))
    assert capped is False
