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
    category = services.create_category("Props", "props")
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
        services.delete_post(actor, post)
    else:
        services.restore_post(moderator, post)


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
        except services.ForumError:
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
