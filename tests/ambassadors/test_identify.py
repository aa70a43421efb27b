"""The nightly ambassador job: scores, the top share, grace, pins, eligibility."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.ambassadors import identification, services
from app.ambassadors.models import AmbassadorRun, AmbassadorStatus, EngagementScore, StatusChange
from app.badges.models import BadgeAward
from app.core.events import commit
from app.core.notifications import Notification
from app.core.permissions import HELPER_CAPABILITIES
from app.extensions import db
from app.forum.models import Post, Topic


def status(user) -> str:
    row = db.session.get(AmbassadorStatus, user.id, populate_existing=True)
    return row.status if row else "member"


def ambassadors() -> set[int]:
    return set(
        db.session.scalars(
            select(AmbassadorStatus.user_id).where(AmbassadorStatus.status == "ambassador")
        )
    )


def holds_helper_capabilities(user) -> bool:
    from app.accounts.models import User

    fresh = db.session.get(User, user.id, populate_existing=True)
    db.session.refresh(fresh, ["grants"])
    return all(fresh.can(capability) for capability in HELPER_CAPABILITIES)


@pytest.mark.parametrize(("eligible", "expected"), [(0, 0), (1, 1), (50, 1), (100, 1), (101, 2)])
def test_top_share_is_ceil_and_at_least_one(eligible, expected):
    assert identification.top_count(eligible, 0.01) == expected


def test_an_empty_community_selects_nobody(app, run_identify):
    run = run_identify()
    assert run.figures["eligible"] == 0
    assert run.figures["selected"] == 0
    assert ambassadors() == set()


def test_a_single_eligible_member_becomes_an_ambassador_with_helper_privileges(
    app, community, run_identify
):
    helper = community.member("helper", answers=4, accepted=2, votes=3)
    assert not holds_helper_capabilities(helper)

    run = run_identify()

    assert run.figures["eligible"] == 1
    assert run.figures["promoted"] == 1
    assert status(helper) == "ambassador"
    assert holds_helper_capabilities(helper)
    badges = set(
        db.session.scalars(select(BadgeAward.badge).where(BadgeAward.user_id == helper.id))
    )
    assert {"ambassador", "helper"} <= badges
    kinds = set(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == helper.id))
    )
    assert "ambassadors.promoted" in kinds
    change = db.session.scalars(select(StatusChange).where(StatusChange.user_id == helper.id)).one()
    assert (change.old_status, change.new_status, change.reason) == (
        "member",
        "ambassador",
        "selected",
    )
    assert change.rank == 1 and change.score > 0


def test_fifty_eligible_members_give_one_ambassador_and_101_give_two(app, community, run_identify):
    members = [community.member(answers=3, votes=n % 7) for n in range(50)]
    run = run_identify()
    assert run.figures["eligible"] == 50
    assert run.figures["selected"] == 1
    assert len(ambassadors()) == 1

    members += [community.member(answers=3, votes=n % 5) for n in range(51)]
    run = run_identify()
    assert run.figures["eligible"] == 101
    assert run.figures["selected"] == 2
    best = db.session.scalars(
        select(EngagementScore.user_id).where(
            EngagementScore.run_id == run.figures["run_id"], EngagementScore.rank <= 2
        )
    ).all()
    # The first run's ambassador is still in (or in grace); both of this run's top two are.
    assert set(best) <= ambassadors()


def test_ties_are_broken_by_accepted_answers_then_seniority(app, community, run_identify):
    weights = dict(app.config["AMBASSADOR_WEIGHTS"], accepted_answers=3.0, helpful_votes=1.0)
    app.config["AMBASSADOR_WEIGHTS"] = weights
    voted = community.member("voted", answers=3, votes=1)  # oldest: 3 votes = 3 points
    solver = community.member("solver", answers=3, accepted=1)  # 1 solution = 3 points
    later_solver = community.member("later_solver", answers=3, accepted=1)
    run = run_identify()
    rows = db.session.execute(
        select(EngagementScore.user_id, EngagementScore.score)
        .where(EngagementScore.run_id == run.figures["run_id"], EngagementScore.rank.is_not(None))
        .order_by(EngagementScore.rank)
    ).all()
    assert len({row.score for row in rows}) == 1
    assert [row.user_id for row in rows] == [solver.id, later_solver.id, voted.id]
    assert ambassadors() == {solver.id}


def test_staff_suspended_and_barely_active_members_are_not_eligible(app, community, run_identify):
    community.member("staffer", answers=10, accepted=5, votes=5, role="staff")
    suspended = community.member("suspended", answers=10, accepted=5, votes=5)
    suspended.suspended_until = community.now + timedelta(days=3)
    commit()
    community.member("quiet", answers=2, accepted=2, votes=5)  # under the 3-post floor
    regular = community.member("regular", answers=3)

    run = run_identify()

    assert run.figures["eligible"] == 1
    assert ambassadors() == {regular.id}


def test_grace_period_then_demotion_takes_everything_back(app, community, run_identify):
    star = community.member("star", answers=5, accepted=3, votes=4, days_ago=80)
    community.member("steady", answers=3, days_ago=1)
    run_identify(as_of=community.now)
    assert status(star) == "ambassador"

    # Twenty days later star's activity has left the 90-day window; steady leads.
    later = community.now + timedelta(days=20)
    run = run_identify(as_of=later)
    assert run.figures["grace_started"] == 1
    row = db.session.get(AmbassadorStatus, star.id, populate_existing=True)
    assert row.status == "ambassador"
    assert row.grace_until == later + timedelta(days=30)
    assert holds_helper_capabilities(star)

    run = run_identify(as_of=later + timedelta(days=31))
    assert run.figures["demoted"] == 1
    assert status(star) == "member"
    assert not holds_helper_capabilities(star)
    live_badges = db.session.scalars(
        select(BadgeAward.badge).where(
            BadgeAward.user_id == star.id, BadgeAward.revoked_at.is_(None)
        )
    ).all()
    assert "ambassador" not in live_badges
    reasons = db.session.scalars(
        select(StatusChange.reason).where(StatusChange.user_id == star.id).order_by(StatusChange.id)
    ).all()
    assert reasons == ["selected", "grace_started", "grace_expired"]


def test_coming_back_into_the_top_ends_the_grace(app, community, run_identify):
    star = community.member("star", answers=5, accepted=3, days_ago=1)
    rival = community.member("rival", answers=3, days_ago=1)
    run_identify()
    # The rival now outshines star for a night.
    for _ in range(3):
        topic = community.question(community.now - timedelta(hours=3))
        post = community.answer(topic, rival, community.now - timedelta(hours=2))
        topic.accepted_post_id = post.id
    commit()
    run_identify()
    assert db.session.get(AmbassadorStatus, star.id, populate_existing=True).grace_until
    for _ in range(4):
        topic = community.question(community.now - timedelta(hours=3))
        topic.accepted_post_id = community.answer(
            topic, star, community.now - timedelta(hours=2)
        ).id
    commit()
    run = run_identify()
    assert run.figures["requalified"] == 1
    row = db.session.get(AmbassadorStatus, star.id, populate_existing=True)
    assert row.status == "ambassador" and row.grace_until is None


def test_no_demotion_sooner_than_the_minimum_tenure(app, community, run_identify):
    app.config["AMBASSADOR_GRACE_DAYS"] = 2
    star = community.member("star", answers=5, accepted=3, days_ago=85)
    community.member("steady", answers=3, days_ago=1)
    run_identify(as_of=community.now)
    run_identify(as_of=community.now + timedelta(days=6))  # out of the window: grace 2 days
    run_identify(as_of=community.now + timedelta(days=9))  # grace over, tenure 9 < 14 days
    assert status(star) == "ambassador"
    run_identify(as_of=community.now + timedelta(days=15))
    assert status(star) == "member"


def test_a_member_suspended_mid_window_loses_the_status_at_once(app, community, run_identify):
    star = community.member("star", answers=5, accepted=3)
    run_identify()
    star.suspended_until = community.now + timedelta(days=60)
    commit()
    run = run_identify(as_of=community.now + timedelta(hours=1))
    assert run.figures["demoted"] == 1
    assert status(star) == "member"
    assert not holds_helper_capabilities(star)
    reason = db.session.scalars(
        select(StatusChange.reason)
        .where(StatusChange.user_id == star.id)
        .order_by(StatusChange.id.desc())
    ).first()
    assert reason == "ineligible"


def test_the_job_never_overrides_a_pinned_decision(app, community, moderator, run_identify):
    star = community.member("star", answers=5, accepted=3)
    newcomer = community.member("newcomer", answers=0)
    services.set_status_by_hand(moderator, star, "member", "Asked for a break")
    services.set_status_by_hand(moderator, newcomer, "ambassador", "Runs our user group")
    commit()
    assert holds_helper_capabilities(newcomer)

    run_identify()
    assert status(star) == "member"
    assert status(newcomer) == "ambassador"

    services.unpin(moderator, star, "Back from the break")
    services.unpin(moderator, newcomer, "Let the job decide")
    commit()
    run_identify(as_of=community.now + timedelta(minutes=1))
    assert status(star) == "ambassador"
    # newcomer has no activity: they keep the status through the grace period.
    row = db.session.get(AmbassadorStatus, newcomer.id, populate_existing=True)
    assert row.status == "ambassador" and row.grace_until is not None


def test_decisions_by_hand_need_the_capability_and_a_reason(app, community, member, moderator):
    star = community.member("star", answers=3)
    with pytest.raises(services.AmbassadorError) as denied:
        services.set_status_by_hand(member, star, "ambassador", "I like them")
    assert denied.value.status == 403
    with pytest.raises(services.AmbassadorError):
        services.set_status_by_hand(moderator, star, "ambassador", "   ")
    with pytest.raises(services.AmbassadorError):
        services.set_status_by_hand(moderator, moderator, "ambassador", "Self-promotion")
    db.session.rollback()
    assert status(star) == "member"


def test_a_second_run_for_the_same_date_changes_nothing(app, community, run_identify):
    for n in range(5):
        community.member(answers=3 + n, votes=n)
    run_identify(as_of=community.now)
    before = db.session.scalar(select(func.count()).select_from(StatusChange))
    again = run_identify(as_of=community.now)
    assert again.figures["promoted"] == 0 and again.figures["demoted"] == 0
    assert db.session.scalar(select(func.count()).select_from(StatusChange)) == before


def test_a_run_that_crashes_halfway_leaves_nothing_and_the_rerun_matches(
    app, community, run_identify, monkeypatch
):
    from app.ambassadors import segments
    from app.core.scheduler import run_job

    # Enough eligible members for two ambassadors (the top 1% of 101 or more), each with
    # the fewest rows that make them eligible; the two most active are added last.
    members = [community.member(answers=3, accepted=n % 2) for n in range(118)]
    members += [community.member(answers=4, accepted=2, votes=1),
                community.member(answers=5, accepted=2, votes=2)]  # fmt: skip
    halfway = []

    def crash(*args, **kwargs):
        # Halfway: the scores, the statuses and the helper grants are written, not committed.
        halfway.append(db.session.scalar(select(func.count()).where(EngagementScore.eligible)))
        halfway.append(len(ambassadors()))
        raise RuntimeError("power cut")

    monkeypatch.setattr(segments, "recompute", crash)
    failed = run_job("identify-ambassadors", as_of=community.now)
    assert failed.outcome == "failed" and "power cut" in failed.error
    assert halfway == [120, 2]
    assert ambassadors() == set()
    assert db.session.scalar(select(func.count()).select_from(AmbassadorRun)) == 0
    assert db.session.scalar(select(func.count()).select_from(EngagementScore)) == 0
    monkeypatch.undo()

    run_identify(as_of=community.now)
    assert len(ambassadors()) == 2
    top_two = sorted(members, key=lambda m: m.id)[-2:]  # the most active were added last
    assert ambassadors() == {m.id for m in top_two}


def test_two_runs_at_once_give_one(app, community):
    from app.core.leases import acquire_lease, release_lease
    from app.core.scheduler import run_job

    community.member(answers=3)
    assert acquire_lease("identify-ambassadors", "another-scheduler", 600)
    skipped = run_job("identify-ambassadors")
    assert skipped.outcome == "skipped"
    assert ambassadors() == set()
    release_lease("identify-ambassadors", "another-scheduler")
    assert run_job("identify-ambassadors").outcome == "success"
    assert len(ambassadors()) == 1


def test_as_of_evaluates_the_window_ending_then(app, community, run_identify):
    old_star = community.member("old_star", answers=6, accepted=4, days_ago=300)
    community.member("current", answers=3, days_ago=2)
    run = run_identify(as_of=community.now - timedelta(days=250))
    assert run.figures["eligible"] == 1
    assert ambassadors() == {old_star.id}
    # A wider window evaluates the whole year.
    row = db.session.get(AmbassadorRun, run.figures["run_id"])
    assert row.window_days == 90
    wide = run_identify(as_of=community.now, window_days="365")
    assert db.session.get(AmbassadorRun, wide.figures["run_id"]).window_days == 365
    assert wide.figures["eligible"] == 2


def test_public_or_implicit_status(app, community, run_identify):
    app.config["AMBASSADOR_STATUS_PUBLIC"] = False
    quiet = community.member("quiet_helper", answers=3)
    run_identify()
    assert status(quiet) == "ambassador"
    assert holds_helper_capabilities(quiet)
    assert not db.session.scalars(select(BadgeAward).where(BadgeAward.user_id == quiet.id)).all()


def _score_of(run, user):
    return db.session.get(EngagementScore, (run.figures["run_id"], user.id))


def test_a_vote_from_a_day_old_account_weighs_a_quarter(app, community, run_identify):
    author = community.member("author", answers=3)
    fresh = community.user("fresh_account", joined_days_ago=1)
    established = community.voters(1)[0]
    posts = db.session.scalars(
        select(Post).where(Post.author_id == author.id).order_by(Post.id)
    ).all()
    community.vote(posts[0], fresh, community.now - timedelta(hours=1))
    community.vote(posts[1], established, community.now - timedelta(hours=1))
    commit()
    run = run_identify()
    assert _score_of(run, author).helpful_votes == 1.25


def test_serial_votes_reported_by_the_nightly_check_do_not_count(app, community, run_identify):
    from app.badges.models import VotingReport

    author = community.member("author", answers=3, votes=1)
    voter = community.voters(1)[0]
    db.session.add(
        VotingReport(
            kind="serial", voter_id=voter.id, author_id=author.id, votes=3,
            window_start=community.now - timedelta(days=6), window_end=community.now,
            report_key="serial:test",
        )
    )  # fmt: skip
    commit()
    run = run_identify()
    assert _score_of(run, author).helpful_votes == 0


def test_votes_count_unless_their_topic_is_deleted_or_a_serial_report_covers_them(
    app, community, run_identify
):
    from app.badges.models import VotingReport

    author = community.member("author", answers=4, votes=1, days_ago=5)
    other = community.member("other_author", answers=3, votes=1, days_ago=5)
    voter = community.voters(1)[0]
    posts = db.session.scalars(
        select(Post).where(Post.author_id == author.id).order_by(Post.id)
    ).all()
    db.session.get(Topic, posts[0].topic_id).deleted_at = community.now - timedelta(days=1)
    # The voter was reported, for this author, but in a window before these votes, and
    # for the other author over these votes' days.
    db.session.add_all(
        [
            VotingReport(
                kind="serial", voter_id=voter.id, author_id=author.id, votes=3,
                window_start=community.now - timedelta(days=40),
                window_end=community.now - timedelta(days=30), report_key="serial:old",
            ),
            VotingReport(
                kind="serial", voter_id=voter.id, author_id=other.id, votes=3,
                window_start=community.now - timedelta(days=6), window_end=community.now,
                report_key="serial:other",
            ),
        ]
    )  # fmt: skip
    commit()
    run = run_identify()
    assert _score_of(run, author).helpful_votes == 3  # the deleted topic's vote is out
    assert _score_of(run, other).helpful_votes == 0


def test_answering_a_question_that_waited_a_day_counts_as_a_rescue(app, community, run_identify):
    rescuer = community.member("rescuer", answers=3)  # answered within the hour: no rescue
    waited = community.question(community.now - timedelta(days=3))
    community.answer(waited, rescuer, community.now - timedelta(days=1))
    second = community.question(community.now - timedelta(days=3))
    community.answer(second, community.user("quick"), community.now - timedelta(days=2, hours=23))
    community.answer(second, rescuer, community.now - timedelta(days=1), position=2)
    commit()
    run = run_identify()
    score = _score_of(run, rescuer)
    assert score.answers == 5
    assert score.rescued_questions == 1  # the second question had been answered already


def test_only_the_latest_runs_keep_every_members_breakdown(app, community, run_identify):
    app.config["AMBASSADOR_KEEP_RUNS"] = 2
    community.member("star", answers=3)
    first = run_identify(as_of=community.now)
    run_identify(as_of=community.now + timedelta(hours=1))
    third = run_identify(as_of=community.now + timedelta(hours=2))
    assert third.figures["pruned_runs"] == 1
    runs_with_scores = set(db.session.scalars(select(EngagementScore.run_id).distinct()))
    assert first.figures["run_id"] not in runs_with_scores and len(runs_with_scores) == 2
    # The history keeps its score and rank; the run itself stays.
    assert db.session.get(AmbassadorRun, first.figures["run_id"]) is not None
    assert db.session.scalars(select(StatusChange.score)).first() > 0
