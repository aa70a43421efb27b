"""The audience: each criterion, their combination, and who is always left out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.ambassadors.models import AmbassadorRun, SegmentMember
from app.badges.models import BadgeAward, LeaderboardEntry
from app.core.clock import now_utc
from app.core.events import commit
from app.core.permissions import CapabilityGrant
from app.extensions import db
from app.invitations import audience
from app.invitations.audience import AudienceError, Criteria
from app.invitations.models import ATTENDED, DECLINED, Invitation


def _who(criteria: dict, campaign_id: int | None = None) -> set[str]:
    members = audience.audience_query(Criteria.from_json(criteria), campaign_id).subquery()
    return set(
        db.session.scalars(select(User.username).join(members, members.c.user_id == User.id))
    )


def _run(at, *members_by_segment: tuple[str, object]) -> AmbassadorRun:
    run = AmbassadorRun(as_of=at, window_days=90)
    db.session.add(run)
    db.session.flush()
    for segment, user in members_by_segment:
        db.session.add(SegmentMember(run_id=run.id, user_id=user.id, segment=segment))
    commit()
    return run


def test_no_criteria_is_every_member_but_staff_moderators_admins_suspended_and_inactive(
    make_user, staff, moderator, admin
):
    make_user("kept")
    make_user("was_suspended").suspended_until = now_utc() - timedelta(days=1)
    make_user("suspended").suspended_until = now_utc() + timedelta(days=3)
    make_user("gone").active = False
    commit()
    assert _who({}) == {"kept", "was_suspended"}


def test_segments_come_from_the_last_ambassador_run_only(make_user):
    amb, rising, opportunist, old = (make_user(n) for n in ("amb", "ris", "opp", "old"))
    now = now_utc()
    _run(now - timedelta(days=1), ("ambassador", old))
    _run(now, ("ambassador", amb), ("rising", rising), ("opportunist", opportunist))

    assert _who({"segments": ["ambassador"]}) == {"amb"}
    assert _who({"segments": ["rising", "opportunist"]}) == {"ris", "opp"}


def test_segments_before_any_run_name_nobody(make_user):
    make_user()
    assert _who({"segments": ["ambassador"]}) == set()


def test_helpers_hold_an_active_helper_grant_from_the_ambassador_job(make_user):
    helper, expired, other_source, _plain = (make_user(n) for n in ("hel", "exp", "oth", "pla"))
    past = now_utc() - timedelta(days=1)
    db.session.add_all([
        CapabilityGrant(user_id=helper.id, capability="post.edit_any", source="ambassador"),
        CapabilityGrant(user_id=expired.id, capability="post.edit_any", source="ambassador",
                        expires_at=past),
        CapabilityGrant(user_id=other_source.id, capability="post.edit_any", source="pilot"),
    ])  # fmt: skip
    commit()
    assert _who({"helpers": True}) == {"hel"}


def _award(user, badge: str, category_id=None, revoked=False) -> None:
    db.session.add(BadgeAward(
        user_id=user.id, badge=badge, award_key=f"{badge}:{user.id}:{category_id}",
        category_id=category_id, revoked_at=now_utc() if revoked else None,
    ))  # fmt: skip


def test_badge_holders_are_those_whose_badge_was_not_revoked(make_user):
    holder, revoked, _none = make_user("hol"), make_user("rev"), make_user("non")
    _award(holder, "solver")
    _award(revoked, "solver", revoked=True)
    commit()
    assert _who({"badge": "solver"}) == {"hol"}


def test_category_experts_of_at_least_a_tier_in_that_category(make_user, category):
    from app.forum.categories import create_category

    other = create_category("Other", "other", "")
    commit()
    gold, silver, bronze, elsewhere = (make_user(n) for n in ("gol", "sil", "bro", "els"))
    _award(gold, "category-expert-gold", category.id)
    _award(silver, "category-expert-silver", category.id)
    _award(bronze, "category-expert-bronze", category.id)
    _award(elsewhere, "category-expert-gold", other.id)
    commit()

    assert _who({"expert_category_id": category.id}) == {"gol", "sil", "bro"}
    assert _who({"expert_category_id": category.id, "expert_min_tier": "silver"}) == {"gol", "sil"}


def test_top_members_of_a_categorys_leaderboard(make_user, category):
    first, second, third = make_user("fir"), make_user("sec"), make_user("thi")
    for position, user in enumerate((first, second, third), start=1):
        db.session.add(
            LeaderboardEntry(
                period="all",
                category_id=category.id,
                position=position,
                rank=position,
                user_id=user.id,
                points=100 - position,
            )
        )
    db.session.add(LeaderboardEntry(period="week", category_id=category.id, position=1, rank=1,
                                    user_id=third.id, points=5))  # fmt: skip
    commit()

    assert _who({"top_category_id": category.id, "top_count": 2}) == {"fir", "sec"}
    assert _who({"top_category_id": category.id, "top_count": 1, "top_period": "week"}) == {"thi"}


def test_minimum_level_by_points(make_user):
    make_user("low").points = 249
    make_user("regular").points = 250
    make_user("guru").points = 5000
    commit()
    assert _who({"min_level": "regular"}) == {"regular", "guru"}


def test_language_counts_members_without_one_in_the_default_language(make_user):
    make_user("fra", locale="fr")
    make_user("eng", locale="en")
    make_user("none")
    assert _who({"language": "fr"}) == {"fra"}
    assert _who({"language": "en"}) == {"eng", "none"}  # tests default to English


def test_members_who_attended_a_past_campaign(make_user, make_campaign):
    came, declined, _never = make_user("came"), make_user("decl"), make_user("never")
    past, other = make_campaign(), make_campaign()
    for campaign, user, state in ((past, came, ATTENDED), (past, declined, DECLINED)):
        db.session.add(
            Invitation(
                campaign_id=campaign.id,
                user_id=user.id,
                state=state,
                reply_token_hash=f"{campaign.id}-{user.id}",
                token_expires_at=now_utc(),
                checkin_code=str(user.id),
            )
        )
    commit()  # fmt: skip

    assert _who({"attended_campaign_ids": [past.id]}) == {"came"}
    assert _who({"attended_any": True}) == {"came"}
    assert _who({"attended_campaign_ids": [other.id]}) == set()


def test_members_invited_in_the_last_days_can_be_left_out(make_user, make_campaign):
    recent, long_ago, _fresh = make_user("recent"), make_user("old"), make_user("fre")
    campaign = make_campaign()
    for user, days in ((recent, 3), (long_ago, 40)):
        db.session.add(
            Invitation(
                campaign_id=campaign.id,
                user_id=user.id,
                reply_token_hash=str(user.id),
                checkin_code=str(user.id),
                token_expires_at=now_utc(),
                invited_at=now_utc() - timedelta(days=days),
            )
        )
    commit()  # fmt: skip
    assert _who({"not_invited_within_days": 30}) == {"old", "fre"}


def test_criteria_combine(make_user):
    both = make_user("both", locale="fr")
    both.points = 300
    make_user("fr_only", locale="fr")
    make_user("en_rich", locale="en").points = 300
    commit()
    assert _who({"language": "fr", "min_level": "regular"}) == {"both"}


def test_count_and_sample_for_the_staff_preview(make_user):
    for n in range(5):
        make_user(f"fan{n}", locale="fr")
    make_user("other", locale="en")
    criteria = Criteria.from_json({"language": "fr"})

    assert audience.count(criteria) == 5
    drawn = audience.sample(criteria, 3)
    assert len(drawn) == 3 and {name for _id, name in drawn} <= {f"fan{n}" for n in range(5)}


@pytest.mark.parametrize(
    "criteria",
    [
        {"segments": ["vip"]},
        {"badge": "no-such-badge"},
        {"expert_category_id": 1, "expert_min_tier": "platinum"},
        {"top_category_id": 1, "top_count": 0},
        {"top_category_id": 1, "top_count": "10"},
        {"min_level": "wizard"},
        {"language": "de"},
        {"not_invited_within_days": -3},
        {"attended_campaign_ids": [True]},
        {"favourite_colour": "blue"},
        ["segments"],
    ],
)
def test_criteria_that_describe_no_audience_are_refused(app, criteria):
    with pytest.raises(AudienceError):
        Criteria.from_json(criteria)


def test_criteria_round_trip_through_their_stored_form(app):
    criteria = Criteria.from_json({"segments": ["rising"], "min_level": "regular"})
    assert criteria.to_json() == {"segments": ["rising"], "min_level": "regular"}
    assert Criteria.from_json(criteria.to_json()) == criteria
