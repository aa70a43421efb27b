"""Deleting the posts of a big topic, before and after migration 0019 (foreign-key indexes).

Each deleted post makes the database look for the rows that refer to it: replies to it
(posts.reply_to_post_id, SET NULL), a topic whose solution it is
(topics.accepted_post_id), badges and ledger entries earned with it. Without an index on
a referring column that look-up reads the whole table, once per deleted post: deleting
a topic's posts is quadratic. For each round, on a new database made by the app's
migrations up to ``0018`` (before) or to the head (after), it writes one topic with
``--posts`` posts (half of them replies to an earlier post, a tenth deleted by a
moderator, the last one the solution), then times ``DELETE FROM posts WHERE topic_id``
(what deleting the topic cascades into) and the topic's own delete.

    .venv/bin/python bench/delete_bench.py --posts 6000 --rounds 3
    .venv/bin/python bench/delete_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/delete_bench
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.leaderboard_bench import load_average, machine  # noqa: E402

VARIANTS = {"before (0018)": "0018", "after (head)": "head"}


def _fresh_app(url: str):
    from flask_migrate import upgrade  # noqa: F401  (imported here: the app's migrations)
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    app = create_app("testing", {"DATABASE_URL": url})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
    return app


def _seed(posts: int) -> int:
    """One topic with ``posts`` posts; returns its id."""
    from sqlalchemy import insert, text, update

    from app.accounts.models import User
    from app.extensions import db
    from app.forum.models import Category, Post, Topic

    rng = random.Random(6000)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    session = db.session
    session.execute(insert(User), [
        {"id": n, "username": f"u{n}", "username_key": f"u{n}", "email": f"u{n}@example.com",
         "password_hash": "x", "role": "moderator" if n == 1 else "member", "created_at": now}
        for n in range(1, 51)
    ])  # fmt: skip
    session.execute(insert(Category).values(id=1, name="Help", slug="help", created_at=now))
    session.execute(insert(Topic).values(
        id=1, category_id=1, author_id=2, title="A long thread", created_at=now,
        last_posted_at=now, reply_count=posts - 1,
    ))  # fmt: skip
    rows = []
    for n in range(1, posts + 1):
        rows.append({
            "id": n, "topic_id": 1, "author_id": 2 + n % 49, "position": n - 1,
            "reply_to_post_id": rng.randint(1, n - 1) if n > 2 and n % 2 else None,
            "body_source": "Descale it.", "body_html": "<p>Descale it.</p>",
            "search_text": "descale it", "created_at": now,
            "deleted_at": now if n % 10 == 0 else None, "deleted_by_id": 1 if n % 10 == 0 else None,
        })  # fmt: skip
    for start in range(0, len(rows), 1000):
        session.execute(insert(Post), rows[start : start + 1000])
    session.execute(update(Topic).where(Topic.id == 1).values(accepted_post_id=posts))
    session.commit()
    if db.engine.dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()
    return 1


def one_round(url: str, revision: str, posts: int) -> tuple[float, float]:
    """(seconds to delete the topic's posts, seconds to delete the topic) on a new database."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db

    app = _fresh_app(url)
    with app.app_context():
        upgrade(revision=revision)
        topic_id = _seed(posts)
        with db.engine.begin() as connection:
            started = time.perf_counter()
            deleted = connection.execute(
                text("DELETE FROM posts WHERE topic_id = :t"), {"t": topic_id}
            ).rowcount
            posts_seconds = time.perf_counter() - started
            started = time.perf_counter()
            connection.execute(text("DELETE FROM topics WHERE id = :t"), {"t": topic_id})
            topic_seconds = time.perf_counter() - started
        assert deleted == posts, (deleted, posts)
        db.session.remove()
        db.engine.dispose()
    return posts_seconds, topic_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args(argv)
    load_before = load_average()
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as folder:
        for number in range(args.rounds):
            for name, revision in VARIANTS.items():  # alternated, so load hits both alike
                url = args.database_url or f"sqlite:///{folder}/r{number}-{revision}.db"
                results[name].append(one_round(url, revision, args.posts))
                print(f"round {number + 1} {name}: posts {results[name][-1][0]:.3f} s,"
                      f" topic {results[name][-1][1]:.4f} s", flush=True)  # fmt: skip
    box = machine()
    database = "PostgreSQL" if args.database_url else f"SQLite {box['sqlite']}"
    print(f"\n{args.posts:,} posts in one topic, {database}, median of {args.rounds} rounds")
    print(f"machine: {box['cores']} cores, {box['memory']}, {box['cpu']}; load "
          f"{load_before:.2f} before, {load_average():.2f} after")  # fmt: skip
    print("| schema | DELETE the topic's posts | DELETE the topic | rounds (posts) |")
    print("|---|---:|---:|---|")
    for name, timings in results.items():
        posts_median = statistics.median(t[0] for t in timings)
        topic_median = statistics.median(t[1] for t in timings)
        rounds = ", ".join(f"{t[0]:.3f}" for t in timings)
        print(f"| {name} | {posts_median:.3f} s | {topic_median:.4f} s | {rounds} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
