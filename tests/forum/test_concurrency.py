"""Concurrent writers: no "database is locked", no lost or duplicated positions."""

import threading

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.events import commit
from app.extensions import db
from app.forum import services
from app.forum.models import Post, Topic

THREADS = 4
REPLIES_EACH = 8


def test_concurrent_replies_to_one_topic(app, make_user, make_topic):
    authors = [make_user() for _ in range(THREADS)]
    topic_id = make_topic(authors[0]).id
    author_ids = [a.id for a in authors]
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def write(author_id: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for n in range(REPLIES_EACH):
                    author = db.session.get(User, author_id)
                    topic = db.session.get(Topic, topic_id)
                    services.reply(author, topic, body=f"reply {n} from {author_id}")
                    commit()
                db.session.remove()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=write, args=(uid,)) for uid in author_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    positions = list(
        db.session.scalars(
            select(Post.position).where(Post.topic_id == topic_id).order_by(Post.position)
        )
    )
    assert positions == list(range(THREADS * REPLIES_EACH + 1))
    reply_count = db.session.scalar(select(Topic.reply_count).where(Topic.id == topic_id))
    assert reply_count == THREADS * REPLIES_EACH
    assert db.session.scalar(select(func.count(Post.id))) == THREADS * REPLIES_EACH + 1
