"""`tribune points rebuild`: the ledger filled in from history, at its dates, capped per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from app.accounts.models import User
from app.badges import points
from app.badges.history import rebuild_from_history
from app.badges.models import BadgeAward, LedgerEntry
from app.core.events import commit
from app.extensions import db
from app.forum import solutions, voting
from app.forum.models import AnonymousVote, Post, PostVote, Topic

DAY_ONE = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)


def _old_question(category, asker: User, answerer: User, at: datetime) -> tuple[Topic, Post]:
    """A question and its answer written straight into the tables, as an import does.

    Both members joined two months before (the asker is no newcomer then).
    """
    asker.created_at = answerer.created_at = at - timedelta(days=60)
    topic = Topic(category_id=category.id, author_id=asker.id, kind="question",
                  title="Old question", created_at=at, last_posted_at=at)  # fmt: skip
    db.session.add(topic)
    db.session.flush()
    for position, (author, when) in enumerate(((asker, at), (answerer, at + timedelta(hours=1)))):
        post = Post(topic_id=topic.id, author_id=author.id, position=position, created_at=when)
        post.body_source, post.body_html = "text", "<p>text</p>"
        db.session.add(post)
    db.session.flush()
    answer = db.session.scalars(select(Post).where(Post.topic_id == topic.id,
                                                   Post.position == 1)).one()  # fmt: skip
    return topic, answer


def _entries(user: User, action: str) -> list[LedgerEntry]:
    return list(db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.user_id == user.id, LedgerEntry.action == action)
        .order_by(LedgerEntry.created_at)
    ))  # fmt: skip


def test_votes_are_capped_per_historical_day_and_dated(app, category, make_user):
    asker, answerer = make_user("asker"), make_user("answerer")
    voters = [make_user(f"voter{n}") for n in range(25)]
    _, answer = _old_question(category, asker, answerer, DAY_ONE)
    for n, voter in enumerate(voters[:22]):  # 220 points on day one: 200 kept
        db.session.add(PostVote(post_id=answer.id, user_id=voter.id,
                                created_at=DAY_ONE + timedelta(hours=2, minutes=n)))  # fmt: skip
    for n, voter in enumerate(voters[22:]):  # the next day starts again
        db.session.add(PostVote(post_id=answer.id, user_id=voter.id,
                                created_at=DAY_ONE + timedelta(days=1, minutes=n)))  # fmt: skip
    db.session.commit()

    figures = rebuild_from_history()

    votes = _entries(answerer, "answer_voted")
    assert [e.points for e in votes] == [10] * 20 + [0, 0] + [10] * 3
    assert votes[0].created_at == DAY_ONE + timedelta(hours=2)
    assert {e.actor_id for e in votes} == {v.id for v in voters}
    reply = _entries(answerer, "reply_posted")
    assert [(e.points, e.created_at) for e in reply] == [(1, DAY_ONE + timedelta(hours=1))]
    assert [e.points for e in _entries(asker, "topic_started")] == [2]
    assert figures["entries"] == 25 + 2
    db.session.expire_all()
    assert db.session.get(User, answerer.id).points == 230 + 1
    assert points.mismatched_totals() == []
    # Badges come from the rebuilt history too (a first answer, a first question...).
    assert db.session.scalar(select(func.count()).select_from(BadgeAward)) > 0


def test_a_rebuild_twice_or_after_live_activity_records_nothing_twice(
    app, category, make_user, make_topic, make_answer
):
    asker, answerer, voter = make_user("asker"), make_user("answerer"), make_user("voter")
    _, old_answer = _old_question(category, asker, answerer, DAY_ONE)
    db.session.add(PostVote(post_id=old_answer.id, user_id=voter.id, created_at=DAY_ONE))
    db.session.commit()
    rebuild_from_history()
    # Live activity goes through the listeners; a rebuild afterwards must not repeat it.
    question = make_topic(asker)
    live_answer = make_answer(answerer, question)
    voting.vote(voter, live_answer)
    solutions.accept_answer(asker, question, live_answer)
    commit()
    before = db.session.scalar(select(func.count()).select_from(LedgerEntry))

    assert rebuild_from_history()["entries"] == 0
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == before
    assert points.mismatched_totals() == []


def test_live_votes_of_the_day_count_toward_the_cap_of_rebuilt_ones(app, category, make_user):
    asker, answerer = make_user("asker"), make_user("answerer")
    voters = [make_user(f"voter{n}") for n in range(3)]
    _, answer = _old_question(category, asker, answerer, DAY_ONE)
    kept = LedgerEntry(user_id=answerer.id, action="answer_voted", points=195,
                       created_at=DAY_ONE, event_key="vote:elsewhere", capped=True)  # fmt: skip
    db.session.add(kept)
    for n, voter in enumerate(voters):
        db.session.add(PostVote(post_id=answer.id, user_id=voter.id,
                                created_at=DAY_ONE + timedelta(hours=3 + n)))  # fmt: skip
    db.session.commit()
    rebuild_from_history()
    assert [e.points for e in _entries(answerer, "answer_voted")] == [195, 5, 0, 0]


def test_anonymous_votes_count_for_the_author_without_a_voter(app, category, make_user):
    asker, answerer = make_user("asker"), make_user("answerer")
    _, answer = _old_question(category, asker, answerer, DAY_ONE)
    for n in range(3):
        db.session.add(AnonymousVote(post_id=answer.id, created_at=DAY_ONE + timedelta(days=n),
                                     source="se", source_key=str(n)))  # fmt: skip
    db.session.commit()
    members = db.session.scalar(select(func.count()).select_from(User))
    rebuild_from_history()
    votes = _entries(answerer, "answer_voted")
    assert [(e.points, e.actor_id) for e in votes] == [(10, None)] * 3
    assert db.session.scalar(select(func.count()).select_from(User)) == members


def test_deleted_posts_earn_nothing(app, category, make_user):
    asker, answerer, voter = make_user("asker"), make_user("answerer"), make_user("voter")
    _, answer = _old_question(category, asker, answerer, DAY_ONE)
    answer.deleted_at = DAY_ONE + timedelta(days=2)
    db.session.add(PostVote(post_id=answer.id, user_id=voter.id, created_at=DAY_ONE))
    db.session.commit()
    rebuild_from_history()
    assert _entries(answerer, "reply_posted") == [] and _entries(answerer, "answer_voted") == []


def test_the_command_reports_what_it_recorded(app, category, make_user):
    asker, answerer = make_user("asker"), make_user("answerer")
    topic, answer = _old_question(category, asker, answerer, DAY_ONE)
    topic.accepted_post_id = answer.id
    asker.created_at = DAY_ONE - timedelta(days=1)  # a newcomer's first question, answered
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["points", "rebuild"])
    assert result.exit_code == 0, result.output
    # The topic, the answer, the solution (answerer and asker), the newcomer welcomed.
    assert "Recorded 5 ledger entries" in result.output
    assert [e.points for e in _entries(answerer, "welcomed_newcomer")] == [5]
    accepted = _entries(answerer, "answer_accepted")
    assert [(e.points, e.created_at) for e in accepted] == [(15, answer.created_at)]
    again = app.test_cli_runner().invoke(args=["points", "rebuild"])
    assert "Nothing to add" in again.output
    forced = app.test_cli_runner().invoke(args=["points", "rebuild", "--force"])
    assert "Recorded 0 ledger entries" in forced.output


def test_the_rebuild_lets_postgresql_plan_with_what_the_import_just_wrote(app, category, make_user):
    """Autovacuum analyzes a bulk load only later; planned on empty statistics, the
    rebuild's set-based statements took over fifteen minutes at 100,000 imported posts."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans without statistics here")
    asker, answerer, voter = make_user("asker"), make_user("answerer"), make_user("voter")
    _, answer = _old_question(category, asker, answerer, DAY_ONE)
    db.session.add(PostVote(post_id=answer.id, user_id=voter.id, created_at=DAY_ONE))
    db.session.commit()

    rebuild_from_history()

    def planner_rows(table: str) -> float:
        return db.session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}
        )

    assert planner_rows("posts") == db.session.scalar(select(func.count()).select_from(Post))
    assert planner_rows("post_votes") == 1
    assert planner_rows("ledger_entries") == db.session.scalar(
        select(func.count()).select_from(LedgerEntry)
    )


def test_only_the_first_question_of_a_newcomer_earns_a_welcome(app, category, make_user):
    asker, first, second = make_user("asker"), make_user("first"), make_user("second")
    _old_question(category, asker, first, DAY_ONE)
    _old_question(category, asker, second, DAY_ONE + timedelta(days=2))
    asker.created_at = DAY_ONE - timedelta(days=1)  # a newcomer for both questions
    db.session.commit()

    rebuild_from_history()

    assert [e.points for e in _entries(first, "welcomed_newcomer")] == [5]
    assert _entries(second, "welcomed_newcomer") == []
