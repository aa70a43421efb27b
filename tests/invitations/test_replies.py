"""Replies by emailed link and as a logged-in member: tokens, capacity, the waitlist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.events import commit
from app.core.mail import OutboxMessage
from app.core.notifications import Notification
from app.extensions import db
from app.invitations import campaigns, replies, sending
from app.invitations.errors import (
    ExpiredToken,
    ForeignToken,
    MalformedToken,
    ReplyError,
    UnknownToken,
    UsedToken,
)
from app.invitations.models import ACCEPTED, DECLINED, INVITED, WAITLISTED, Invitation
from app.invitations.tokens import REPLY, campaign_key, derive
from tests.support import at_once


def _sent(make_campaign, **fields):
    campaign = make_campaign(**fields)
    sending.send(campaign.id)
    commit()
    return campaign


def _token(campaign, user) -> str:
    return derive(campaign_key(campaign.token_salt), REPLY, user.id)


def _invitation(campaign, user) -> Invitation:
    db.session.expire_all()
    return db.session.scalar(
        select(Invitation).where(
            Invitation.campaign_id == campaign.id, Invitation.user_id == user.id
        )
    )


def _state(campaign, user) -> tuple[str, int | None]:
    invitation = _invitation(campaign, user)
    return invitation.state, invitation.waitlist_position


def test_the_emailed_link_accepts_once(make_user, make_campaign):
    member = make_user()
    campaign = _sent(make_campaign)
    token = _token(campaign, member)

    assert replies.check_token(token).user_id == member.id  # the confirmation page: no change
    assert _state(campaign, member) == (INVITED, None)
    replies.reply_by_token(token, "accept")
    commit()
    assert _state(campaign, member) == (ACCEPTED, None)

    with pytest.raises(UsedToken):  # replayed: a second click, a forwarded email
        replies.reply_by_token(token, "decline")
    db.session.rollback()
    assert _state(campaign, member) == (ACCEPTED, None)


def test_a_token_expires_at_the_reply_deadline(make_user, make_campaign):
    member = make_user()
    campaign = _sent(make_campaign)
    token = _token(campaign, member)
    with pytest.raises(ExpiredToken):
        replies.reply_by_token(token, "accept", at=campaign.reply_deadline)
    db.session.rollback()
    assert _state(campaign, member) == (INVITED, None)


@pytest.mark.parametrize(
    "token", ["", "short", "Z" * 32, "0" * 31, "0" * 33, "../../etc", "é" * 32]
)
def test_a_malformed_token_is_refused(app, token):
    with pytest.raises(MalformedToken):
        replies.reply_by_token(token, "accept")


def test_an_unknown_token_is_refused(make_user, make_campaign):
    member = make_user()
    campaign = _sent(make_campaign)
    other_campaign = make_campaign()  # a token of a campaign never sent
    with pytest.raises(UnknownToken):
        replies.reply_by_token(_token(other_campaign, member), "accept")
    with pytest.raises(UnknownToken):
        replies.reply_by_token("0" * 32, "accept")
    assert _state(campaign, member) == (INVITED, None)


def test_another_members_token_is_refused_to_a_logged_in_member(make_user, make_campaign):
    owner, someone = make_user(), make_user()
    campaign = _sent(make_campaign)
    with pytest.raises(ForeignToken):
        replies.reply_by_token(_token(campaign, owner), "accept", member=someone)
    db.session.rollback()
    assert _state(campaign, owner) == (INVITED, None)
    replies.reply_by_token(_token(campaign, owner), "accept", member=owner)
    commit()
    assert _state(campaign, owner) == (ACCEPTED, None)


def test_a_cancelled_campaign_takes_no_answer(make_user, staff, make_campaign):
    member = make_user()
    campaign = _sent(make_campaign)
    campaigns.cancel(staff, campaign)
    commit()
    with pytest.raises(ReplyError):
        replies.reply_by_token(_token(campaign, member), "accept")


def test_past_capacity_members_wait_in_order_and_a_decline_promotes_the_first(
    make_user, make_campaign
):
    first, second, third, fourth = (make_user() for _ in range(4))
    campaign = _sent(make_campaign, capacity=2)
    for member in (first, second, third, fourth):
        replies.reply(member, _invitation(campaign, member).id, "accept")
        commit()
    assert [_state(campaign, m) for m in (first, second, third, fourth)] == [
        (ACCEPTED, None), (ACCEPTED, None), (WAITLISTED, 1), (WAITLISTED, 2)
    ]  # fmt: skip
    mail_before = db.session.scalar(select(func.count()).select_from(OutboxMessage))

    replies.reply(second, _invitation(campaign, second).id, "decline")
    commit()

    assert _state(campaign, second) == (DECLINED, None)
    assert _state(campaign, third) == (ACCEPTED, None)
    assert _state(campaign, fourth) == (WAITLISTED, 2)
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "invitations.promoted")
    ).all()
    assert told == [third.id]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == mail_before + 1
    promoted_mail = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    assert promoted_mail.recipient == third.email


def test_staff_removing_a_seated_member_promotes_the_waitlist(make_user, staff, make_campaign):
    seated, waiting = make_user(), make_user()
    campaign = _sent(make_campaign, capacity=1)
    for member in (seated, waiting):
        replies.reply(member, _invitation(campaign, member).id, "accept")
        commit()
    replies.remove(staff, _invitation(campaign, seated).id, reason="double booking")
    commit()
    assert _state(campaign, waiting) == (ACCEPTED, None)


def test_answering_the_same_twice_changes_nothing_and_minds_can_change(make_user, make_campaign):
    member = make_user()
    campaign = _sent(make_campaign, capacity=5)
    invitation_id = _invitation(campaign, member).id
    for answer, expected in (("accept", ACCEPTED), ("accept", ACCEPTED), ("decline", DECLINED),
                             ("decline", DECLINED), ("accept", ACCEPTED)):  # fmt: skip
        replies.reply(member, invitation_id, answer)
        commit()
        assert _state(campaign, member) == (expected, None)


def test_a_member_cannot_answer_someone_elses_invitation(make_user, make_campaign):
    owner, someone = make_user(), make_user()
    campaign = _sent(make_campaign)
    with pytest.raises(Exception) as raised:
        replies.reply(someone, _invitation(campaign, owner).id, "accept")
    assert getattr(raised.value, "status", None) == 404


def test_thirty_acceptances_at_once_for_the_last_seat_give_exactly_one(
    app, make_user, make_campaign
):
    seated = make_user()
    racers = [make_user() for _ in range(30)]
    campaign = _sent(make_campaign, capacity=2)
    replies.reply(seated, _invitation(campaign, seated).id, "accept")
    commit()
    tokens = [_token(campaign, member) for member in racers]

    def accept(i: int) -> str:
        with app.app_context():
            invitation = replies.reply_by_token(tokens[i], "accept")
            state = invitation.state
            commit()
            db.session.remove()
            return state

    results = at_once(30, accept)

    assert sorted(results) == [ACCEPTED] + [WAITLISTED] * 29, results
    db.session.expire_all()
    rows = db.session.execute(
        select(Invitation.state, Invitation.waitlist_position).where(
            Invitation.campaign_id == campaign.id, Invitation.user_id != seated.id
        )
    ).all()
    assert sum(1 for state, _ in rows if state == ACCEPTED) == 1
    assert sorted(p for state, p in rows if state == WAITLISTED) == list(range(1, 30))


def test_the_same_link_clicked_thirty_times_at_once_replies_once(app, make_user, make_campaign):
    member = make_user()
    campaign = _sent(make_campaign, capacity=1)
    token = _token(campaign, member)

    def click(_i: int) -> str:
        with app.app_context():
            try:
                replies.reply_by_token(token, "accept")
                commit()
                return "replied"
            except UsedToken:
                return "used"
            finally:
                db.session.remove()

    results = at_once(30, click)

    assert sorted(results) == ["replied"] + ["used"] * 29, results
    assert _state(campaign, member) == (ACCEPTED, None)


def test_the_deadline_applies_to_logged_in_members_too(make_user, make_campaign):
    member = make_user()
    campaign = _sent(make_campaign)
    with pytest.raises(ReplyError):
        replies.reply(member, _invitation(campaign, member).id, "accept",
                      at=campaign.reply_deadline + timedelta(seconds=1))  # fmt: skip


def test_cancelling_tells_the_members_holding_a_seat(make_user, staff, make_campaign):
    coming, waiting, silent = make_user(), make_user(), make_user()
    campaign = _sent(make_campaign, capacity=1)
    for member in (coming, waiting):
        replies.reply(member, _invitation(campaign, member).id, "accept")
        commit()
    assert campaigns.cancel(staff, campaign, reason="the roaster broke") == 1
    commit()
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "invitations.cancelled")
    ).all()
    assert told == [coming.id]
    assert silent.id not in told
