from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts import services as account_services
from app.accounts.models import User
from app.badges import points
from app.badges.models import LedgerEntry, PointRule
from app.badges.points import Award
from app.core.clock import now_utc
from app.core.events import commit
from app.extensions import db
from app.forum import services, solutions, voting
from app.forum.deletion import delete_post, restore_post
from app.forum.errors import Forbidden, ForumError
from app.forum.models import Post


def entries(user):
    return [
        (e.action, e.points)
        for e in db.session.query(LedgerEntry).filter_by(user_id=user.id).order_by(LedgerEntry.id)
    ]


def test_topic_reply_vote_and_accept_points(
    member, other_member, make_topic, make_answer, points_of
):
    topic = make_topic(member)  # +2 topic started
    answer = make_answer(other_member, topic)  # +1 reply, +5 welcomed a newcomer
    voting.vote(member, answer)  # +10 answer voted
    commit()
    solutions.accept_answer(member, topic, answer)  # +15 accepted, +2 to the asker
    commit()
    assert entries(member) == [("topic_started", 2), ("accepted_an_answer", 2)]
    assert entries(other_member) == [
        ("reply_posted", 1),
        ("welcomed_newcomer", 5),
        ("answer_voted", 10),
        ("answer_accepted", 15),
    ]
    assert (points_of(member), points_of(other_member)) == (4, 31)


def test_question_votes_earn_five_and_discussion_posts_their_own_rule(
    member, other_member, make_topic, points_of
):
    question = make_topic(member)
    discussion = make_topic(member, title="Share your latte art", kind="discussion")
    for topic in (question, discussion):
        opening = db.session.query(Post).filter_by(topic_id=topic.id, position=0).one()
        voting.vote(other_member, opening)
        commit()
    assert [e for e in entries(member) if e[0].endswith("voted")] == [
        ("question_voted", 5),
        ("post_voted", 5),
    ]


def test_retracted_vote_and_unaccepted_answer_are_reversed_not_erased(
    member, other_member, make_topic, make_answer, points_of
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    before = points_of(other_member)
    voting.vote(member, answer)
    commit()
    voting.retract_vote(member, answer)
    commit()
    solutions.accept_answer(member, topic, answer)
    commit()
    solutions.unaccept_answer(member, topic)
    commit()
    assert points_of(other_member) == before
    reversals = db.session.query(LedgerEntry).filter(LedgerEntry.reverses_id.isnot(None)).all()
    assert sorted((r.action, r.points, r.reason) for r in reversals) == [
        ("accepted_an_answer", -2, "answer_unaccepted"),
        ("answer_accepted", -15, "answer_unaccepted"),
        ("answer_voted", -10, "vote_retracted"),
    ]


def test_deleting_and_restoring_a_post(
    member, other_member, moderator, make_topic, make_answer, points_of
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    voting.vote(member, answer)
    commit()
    earned = points_of(other_member)
    delete_post(moderator, answer)
    commit()
    assert points_of(other_member) == 0
    restore_post(moderator, answer)
    commit()
    assert points_of(other_member) == earned
    delete_post(moderator, answer)
    commit()
    restore_post(moderator, answer)
    commit()
    assert points_of(other_member) == earned, "each restore gives back exactly once"


def test_deleting_a_topic_reverses_its_answers_points(
    member, other_member, moderator, make_topic, make_answer, points_of
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    voting.vote(member, answer)
    commit()
    opening = db.session.query(Post).filter_by(topic_id=topic.id, position=0).one()
    with pytest.raises(Forbidden, match="only be removed by a moderator"):
        delete_post(member, opening)
    db.session.rollback()
    delete_post(moderator, opening)
    commit()
    assert (points_of(member), points_of(other_member)) == (0, 0)


def test_no_points_for_accepting_ones_own_answer(member, make_topic, make_answer, points_of):
    topic = make_topic(member)
    own = make_answer(member, topic)
    before = points_of(member)
    solutions.accept_answer(member, topic, own)
    commit()
    assert points_of(member) == before


def test_daily_vote_cap(app, member, make_user, make_topic, make_answer, points_of):
    app.config["POINTS_DAILY_VOTE_CAP"] = 25
    topic = make_topic(make_user())
    answer = make_answer(member, topic)
    base = points_of(member)
    for _ in range(4):
        voting.vote(make_user(), answer)
        commit()
    assert points_of(member) - base == 25, "10 + 10 + 5 (capped) + 0"
    # Accepted answers are outside the cap.
    solutions.accept_answer(make_user("modo", role="moderator"), topic, answer)
    commit()
    assert points_of(member) - base == 40


def test_the_cap_is_per_utc_day(app, member, points_of):
    app.config["POINTS_DAILY_VOTE_CAP"] = 10
    yesterday = now_utc() - timedelta(days=1)
    for n, at in enumerate([yesterday, yesterday, now_utc()]):
        points.record(Award(member.id, "answer_voted", f"test:{n}", at, capped=True))
    commit()
    assert points_of(member) == 20


def test_the_same_event_twice_is_one_entry(member, points_of):
    award = Award(member.id, "topic_started", "topic:999", now_utc())
    assert points.record(award) is not None
    assert points.record(award) is None
    commit()
    assert db.session.query(LedgerEntry).count() == 1 and points_of(member) == 2


def test_admin_overrides_a_point_value(admin, member, other_member, login, make_topic):
    page = login(admin).post(
        "/admin/points", data={a: 1 for a in points.ACTIONS} | {"topic_started": 7}
    )
    assert page.status_code == 302
    assert db.session.get(PointRule, "topic_started").points == 7
    make_topic(member)
    assert entries(member) == [("topic_started", 7)]
    assert login(member).get("/admin/points").status_code == 403


def test_admin_page_refuses_bad_values(admin, login):
    page = login(admin).post("/admin/points", data={a: "x" for a in points.ACTIONS})
    assert page.status_code == 422
    assert db.session.query(PointRule).count() == 0


def test_points_verify_reports_and_fixes(app, member, make_topic):
    make_topic(member)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["points", "verify"])
    assert ok.exit_code == 0 and "matches" in ok.output
    db.session.execute(db.update(type(member)).values(points=999))
    commit()
    bad = runner.invoke(args=["points", "verify"])
    assert bad.exit_code == 1 and "alice" in bad.output and "ledger 2" in bad.output
    fixed = runner.invoke(args=["points", "verify", "--fix"])
    assert fixed.exit_code == 0
    assert runner.invoke(args=["points", "verify"]).exit_code == 0


@pytest.mark.parametrize("edited", [False, True])
def test_votes_lock_after_five_minutes_unless_the_post_is_edited(
    monkeypatch, member, other_member, make_topic, make_answer, edited
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    voting.vote(member, answer)
    commit()
    later = now_utc() + timedelta(minutes=6)
    if edited:
        services.edit_post(other_member, answer, body="A better answer")
        answer.edited_at = later - timedelta(seconds=30)
        commit()
    monkeypatch.setattr("app.forum.voting.now_utc", lambda: later)
    if edited:
        assert voting.retract_vote(member, answer) is True
    else:
        with pytest.raises(ForumError, match="locked") as caught:
            voting.retract_vote(member, answer)
        assert caught.value.status == 409


def test_retracting_a_vote_after_delete_and_restore_takes_the_points_back(
    member, other_member, moderator, make_topic, make_answer, points_of
):
    answer = make_answer(other_member, make_topic(member))
    before = points_of(other_member)
    voting.vote(member, answer)
    commit()
    delete_post(moderator, answer)
    commit()
    restore_post(moderator, answer)
    commit()
    assert points_of(other_member) == before + 10
    voting.retract_vote(member, answer)
    commit()
    assert points_of(other_member) == before


def test_points_verify_finds_a_vote_stored_without_its_entry_and_records_it(
    app, member, other_member, make_topic, make_answer
):
    from app.forum.models import PostVote

    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    voting.vote(member, answer)
    solutions.accept_answer(member, topic, answer)
    commit()
    runner = app.test_cli_runner()
    clean = runner.invoke(args=["points", "verify"])
    assert clean.exit_code == 0, clean.output
    # What a full disk left behind before votes and points shared a transaction.
    third = account_services.create_user("carla", "carla@example.com", "correct-horse-battery")
    commit()
    db.session.add(PostVote(post_id=answer.id, user_id=third.id, created_at=now_utc()))
    db.session.commit()

    found = runner.invoke(args=["points", "verify"])
    assert found.exit_code == 1
    assert f"for a vote: member #{other_member.id}, post {answer.id}, vote:" in found.output
    fixed = runner.invoke(args=["points", "verify", "--fix"])
    assert fixed.exit_code == 0 and "Recorded 1 missing" in fixed.output
    assert runner.invoke(args=["points", "verify"]).exit_code == 0
    assert db.session.get(User, other_member.id).points == points.ledger_total(other_member.id)


def test_a_vote_whose_points_cannot_be_written_is_not_stored(
    app, monkeypatch, member, other_member, make_topic, make_answer
):
    from app.forum.models import PostVote

    answer = make_answer(other_member, make_topic(member))

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(points, "record", disk_full)
    voting.vote(member, answer)
    with pytest.raises(OSError):
        commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PostVote)) == 0
