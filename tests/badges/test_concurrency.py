"""Twenty threads casting the same vote at once give one vote and one ledger entry."""

import threading

from sqlalchemy import func, select

from app.accounts.models import User
from app.badges.models import LedgerEntry
from app.core.events import commit
from app.extensions import db
from app.forum import voting
from app.forum.models import Post, PostVote

THREADS = 20


def test_the_same_vote_at_once_counts_once(app, member, other_member, make_topic, make_answer):
    answer_id = make_answer(other_member, make_topic(member)).id
    voter_id = member.id
    results: list[object] = []
    start = threading.Barrier(THREADS)

    def cast() -> None:
        with app.app_context():
            try:
                start.wait()
                voter = db.session.get(User, voter_id)
                post = db.session.get(Post, answer_id)
                results.append(voting.vote(voter, post))
                commit()
            except BaseException as error:  # checked below, in the test's thread
                results.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cast) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(map(repr, results)) == sorted(["True"] + ["False"] * (THREADS - 1))
    assert db.session.scalar(select(func.count()).select_from(PostVote)) == 1
    assert db.session.scalar(select(Post.vote_count).where(Post.id == answer_id)) == 1
    votes = select(func.count(LedgerEntry.id)).where(LedgerEntry.action == "answer_voted")
    assert db.session.scalar(votes) == 1
    total = db.session.scalar(select(User.points).where(User.id == other_member.id))
    ledger = db.session.scalar(
        select(func.sum(LedgerEntry.points)).where(LedgerEntry.user_id == other_member.id)
    )
    assert total == ledger
