"""Whatever members do, totals equal their ledgers and single badges are held once."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.accounts import services as account_services
from app.accounts.models import User
from app.badges.catalogue import BY_SLUG
from app.badges.models import BadgeAward, LedgerEntry
from app.core.events import commit
from app.extensions import db
from app.forum import services, solutions, voting
from app.forum.categories import create_category
from app.forum.deletion import delete_post, restore_post
from app.forum.errors import ForumError
from app.forum.models import Post, Topic
from tests.conftest import PASSWORD, empty_database

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["vote", "retract", "accept", "unaccept", "delete", "restore"]),
        st.integers(min_value=0, max_value=3),  # who
        st.integers(min_value=0, max_value=3),  # which post (0: the question)
    ),
    max_size=25,
)


def _community():
    people = [
        account_services.create_user(f"prop{n}", f"prop{n}@example.com", PASSWORD) for n in range(4)
    ]
    moderator = account_services.create_user(
        "propmod", "propmod@example.com", PASSWORD, role="moderator"
    )
    commit()
    category = create_category("Props", "props")
    commit()
    topic = services.create_topic(people[0], category, title="Why?", body="Because.")
    commit()
    posts = [db.session.scalars(select(Post).where(Post.topic_id == topic.id)).one()]
    for author in people[1:]:
        posts.append(services.reply(author, topic, body=f"answer from {author.username}"))
        commit()
    return people, moderator, topic, posts


def _apply(action, actor, topic, post, moderator):
    if action == "vote":
        voting.vote(actor, post)
    elif action == "retract":
        voting.retract_vote(actor, post)
    elif action == "accept":
        solutions.accept_answer(actor, topic, post)
    elif action == "unaccept":
        solutions.unaccept_answer(actor, topic)
    elif action == "delete":
        delete_post(actor, post)
    else:
        restore_post(moderator, post)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=ACTIONS)
def test_totals_always_equal_ledgers(app, steps):
    empty_database()
    people, moderator, topic, posts = _community()
    for action, who, which in steps:
        actor = db.session.get(User, people[who].id)
        post = db.session.get(Post, posts[which].id)
        current_topic = db.session.get(Topic, topic.id)
        try:
            _apply(action, actor, current_topic, post, moderator)
        except ForumError:
            db.session.rollback()
            continue
        commit()

    ledger = dict(
        db.session.execute(
            select(LedgerEntry.user_id, func.sum(LedgerEntry.points)).group_by(LedgerEntry.user_id)
        ).all()
    )
    for user_id, total in db.session.execute(select(User.id, User.points)):
        assert total == ledger.get(user_id, 0)
        assert total >= 0

    single = [slug for slug, rule in BY_SLUG.items() if not rule.repeatable]
    doubles = db.session.execute(
        select(BadgeAward.user_id, BadgeAward.badge, func.count())
        .where(BadgeAward.badge.in_(single))
        .group_by(BadgeAward.user_id, BadgeAward.badge)
        .having(func.count() > 1)
    ).all()
    assert doubles == []


def _vote_entries_match_votes() -> None:
    """Every post's live vote entries are its named votes, one each."""
    from app.forum.models import PostVote

    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    live = dict(
        db.session.execute(
            select(LedgerEntry.post_id, func.count())
            .where(
                LedgerEntry.action.in_(("answer_voted", "question_voted", "post_voted")),
                LedgerEntry.reverses_id.is_(None),
                LedgerEntry.id.not_in(reversed_ids),
            )
            .group_by(LedgerEntry.post_id)
        ).all()
    )
    votes = dict(
        db.session.execute(select(PostVote.post_id, func.count()).group_by(PostVote.post_id)).all()
    )
    assert live == votes


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["vote", "retract", "accept", "unaccept"]),
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=1, max_value=3),
        ),
        min_size=2,
        max_size=12,
    )
)
def test_totals_and_votes_equal_ledgers_when_members_act_at_once(app, steps):
    """The same actions as above, released together from one thread each."""
    from tests.support import at_once

    empty_database()
    people, moderator, topic, posts = _community()
    people_ids, post_ids, topic_id = [p.id for p in people], [p.id for p in posts], topic.id

    def act(i: int) -> None:
        action, who, which = steps[i]
        with app.app_context():
            try:
                actor = db.session.get(User, people_ids[who])
                post = db.session.get(Post, post_ids[which])
                _apply(action, actor, db.session.get(Topic, topic_id), post, moderator)
                commit()
            except ForumError:
                db.session.rollback()
            finally:
                db.session.remove()

    outcomes = at_once(len(steps), act)

    assert [o for o in outcomes if o is not None] == []
    db.session.expire_all()
    _vote_entries_match_votes()
    for user_id, total in db.session.execute(select(User.id, User.points)):
        assert total == (
            db.session.scalar(
                select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                    LedgerEntry.user_id == user_id
                )
            )
        )
    accepted = db.session.scalar(select(Topic.accepted_post_id).where(Topic.id == topic_id))
    live_solutions = db.session.scalar(
        select(func.count(LedgerEntry.id)).where(
            LedgerEntry.action == "answer_accepted",
            LedgerEntry.reverses_id.is_(None),
            LedgerEntry.id.not_in(
                select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
            ),
        )
    )
    assert live_solutions == (0 if accepted is None else 1)
