"""Search at 1,000,000 posts: the first page of a common word and of a rare one.

``build`` migrates an empty database and fills it with bulk inserts (SQLite: executemany
in batches, with the FTS5 triggers; PostgreSQL: COPY, the search index built once after
the load): 20,000 members, the 8 categories of bench/community.py, 250,000 topics
(70% questions, 40% of the answered ones solved, two tags in three) and 1,000,000 posts
in all. Each post reads like community.py's (six of its 22 coffee words, so
``espresso`` is in about a quarter of the posts) plus 30 words drawn from a Zipf
vocabulary of 20,000 words; ``gaggia`` is planted in one post in 10,000 (the rare word),
``ristretto`` in one in 100 (a middling one).

``measure`` times ``search.search_topics`` in-process (the real service: candidates,
ranking, grouping, snippets) for each word, as a visitor, after warm-ups, and prints the
median and p95 per word; ``--http`` also serves the database with gunicorn (2 sync
workers) and times ``GET /search?q=WORD`` with one client.

    .venv/bin/python bench/search_bench.py build --database-url sqlite:////tmp/search.db
    .venv/bin/python bench/search_bench.py measure --database-url sqlite:////tmp/search.db
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TRIBUNE_BASE_URL", "http://localhost")
os.environ.setdefault("TRIBUNE_SECRET_KEY", "bench")

from bench.community import CATEGORIES, POST_COLUMNS, WORDS, stamp  # noqa: E402

MEMBERS, TOPICS, POSTS = 20_000, 250_000, 1_000_000
SPAN = 730 * 86_400
TAGS = ("espresso", "latte", "grinder", "descaling", "milk", "repair", "beans", "water",
        "cleaning", "pressure", "steam", "recipes")  # fmt: skip
RARE, MIDDLING, COMMON = "gaggia", "ristretto", "espresso"


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """20,000 made-up words and their Zipf cumulative weights."""
    letters = "bcdfghjklmnprstvz"
    vowels = "aeiou"
    words: set[str] = set()
    while len(words) < 20_000:
        words.add(
            "".join(rng.choice(letters) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        )
    ordered = sorted(words)
    rng.shuffle(ordered)
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(ordered))))
    return ordered, weights


def _body(rng: random.Random, vocabulary: tuple[list[str], list[float]], pid: int) -> str:
    words = [rng.choice(WORDS) for _ in range(6)]
    words += rng.choices(vocabulary[0], cum_weights=vocabulary[1], k=30)
    if pid % 10_000 == 4_321:
        words.insert(rng.randrange(len(words)), RARE)
    if pid % 100 == 17:
        words.insert(rng.randrange(len(words)), MIDDLING)
    return " ".join(words)


def _rows(seed: int, now: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row to insert, in id order (ids grow with time, as in a real forum)."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    start = now - SPAN
    users = []
    for uid in range(1, MEMBERS + 1):
        name = f"s{uid:06d}"
        role = "admin" if uid == 1 else ("moderator" if uid <= 5 else "member")
        users.append((uid, name, name, f"{name}@example.com", "!", role, "", "en", "10.0.0.1",
                      stamp(start), 1, True, None, 0))  # fmt: skip
    categories = [(i, name, slug, "", i, 0, 0, stamp(start))
                  for i, (name, slug) in enumerate(CATEGORIES, start=1)]  # fmt: skip
    tags = [(i, name) for i, name in enumerate(TAGS, start=1)]
    # Replies per topic: POSTS - TOPICS of them, spread with a long tail.
    sizes = [min(int(rng.paretovariate(1.6)), 400) for _ in range(TOPICS)]
    total = sum(sizes)
    while total < POSTS:
        sizes[rng.randrange(TOPICS)] += 1
        total += 1
    while total > POSTS:
        index = rng.randrange(TOPICS)
        if sizes[index] > 1:
            sizes[index] -= 1
            total -= 1
    topics, posts, topic_tags = [], [], []
    pid = 0
    step = SPAN / POSTS
    for tid in range(1, TOPICS + 1):
        author = rng.randint(1, MEMBERS)
        category = rng.choices(range(1, 9), (30, 22, 16, 10, 8, 7, 5, 2))[0]
        question = rng.random() < 0.7
        title = (
            " ".join(rng.choice(WORDS) for _ in range(3))
            + " "
            + " ".join(rng.choices(vocabulary[0], cum_weights=vocabulary[1], k=4))
        )
        first = pid + 1
        for position in range(sizes[tid - 1]):
            pid += 1
            at = stamp(int(start + pid * step))
            body = _body(rng, vocabulary, pid)
            text = f"{title} {body}" if position == 0 else body
            writer = author if position == 0 else rng.randint(1, MEMBERS)
            posts.append((pid, tid, writer, position, body, f"<p>{body}</p>", text,
                          rng.randrange(4), at, 0))  # fmt: skip
        accepted = first + 1 if question and pid > first and rng.random() < 0.4 else None
        created, last = stamp(int(start + first * step)), stamp(int(start + pid * step))
        topics.append((tid, category, author, "question" if question else "discussion", title,
                       False, False, rng.randrange(500), pid - first, created, last, author,
                       accepted))  # fmt: skip
        for tag in rng.sample(range(1, len(TAGS) + 1), rng.choice((0, 1, 2))):
            topic_tags.append((tid, tag))
    return {"users": users, "categories": categories, "tags": tags, "topics": topics,
            "posts": posts, "topic_tags": topic_tags}  # fmt: skip


COLUMNS = {
    "users": ("id", "username", "username_key", "email", "password_hash", "role", "bio",
              "locale", "registration_ip", "created_at", "session_version", "active",
              "suspended_until", "points"),
    "categories": ("id", "name", "slug", "description", "position", "topic_count",
                   "post_count", "created_at"),
    "tags": ("id", "name"),
    "topics": ("id", "category_id", "author_id", "kind", "title", "pinned", "locked",
               "view_count", "reply_count", "created_at", "last_posted_at", "last_poster_id",
               "accepted_post_id"),
    "posts": tuple(POST_COLUMNS),
    "topic_tags": ("topic_id", "tag_id"),
}  # fmt: skip


def _migrate(url: str, revision: str) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app("production", {"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(revision=revision)
        db.engine.dispose()


def build(url: str, seed: int, revision: str) -> None:
    """Migrate an empty database to ``revision`` and load the community in bulk.

    Built before search's own migration (``--revision 0034``), the data then goes through
    it (``tribune db upgrade``), which times that migration at this size too."""
    from sqlalchemy import create_engine

    import app as _app  # noqa: F401  (the SQLite pragmas listener)

    began = time.perf_counter()
    _migrate(url, revision)
    print(f"migrated in {time.perf_counter() - began:.1f} s", flush=True)
    rows = _rows(seed, int(time.time()))
    print(f"rows made in {time.perf_counter() - began:.1f} s", flush=True)
    engine = create_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # topics name their solutions
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            connection.exec_driver_sql("PRAGMA cache_size=-500000")
            for table, table_rows in rows.items():
                names = ", ".join(COLUMNS[table])
                marks = ", ".join("?" * len(COLUMNS[table]))
                for at in range(0, len(table_rows), 20_000):
                    connection.exec_driver_sql(
                        f"INSERT INTO {table} ({names}) VALUES ({marks})",
                        table_rows[at : at + 20_000],
                    )
                connection.commit()
                print(f"{table}: {len(table_rows):,} in {time.perf_counter() - began:.1f} s",
                      flush=True)  # fmt: skip
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            _copy_postgresql(connection, rows, began)
    engine.dispose()
    print(f"built in {time.perf_counter() - began:.1f} s", flush=True)


def _copy_postgresql(connection: Any, rows: dict[str, list[tuple[Any, ...]]], began: float) -> None:
    """COPY every table; the search indexes and foreign keys' work happen once at the end."""
    raw = connection.connection.driver_connection
    indexes = raw.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'posts' "
        "AND indexdef ILIKE '%gin%'"
    ).fetchall()
    for name, _definition in indexes:
        raw.execute(f"DROP INDEX {name}")
    raw.execute("SET session_replication_role = replica")  # no FK triggers during the load
    for table, table_rows in rows.items():
        with raw.cursor().copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
            for row in table_rows:
                copy.write_row(row)
        raw.commit()
        print(f"{table}: {len(table_rows):,} in {time.perf_counter() - began:.1f} s", flush=True)
    raw.execute("SET session_replication_role = origin")
    for _name, definition in indexes:
        raw.execute(definition)
        raw.commit()
    for table in ("users", "categories", "tags", "topics", "posts"):
        raw.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    raw.commit()
    raw.autocommit = True
    raw.execute("VACUUM ANALYZE")
    raw.autocommit = False
    print(f"indexes and analyze in {time.perf_counter() - began:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("build", "measure"):
        command = sub.add_parser(name)
        command.add_argument("--database-url", required=True)
    sub.choices["build"].add_argument("--seed", type=int, default=20261207)
    sub.choices["build"].add_argument("--scale", type=float, default=1.0, help="e.g. 0.01")
    sub.choices["build"].add_argument("--revision", default="head")
    sub.choices["measure"].add_argument("--requests", type=int, default=50)
    sub.choices["measure"].add_argument("--http", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "build":
        global MEMBERS, TOPICS, POSTS
        MEMBERS, TOPICS, POSTS = (int(n * args.scale) for n in (MEMBERS, TOPICS, POSTS))
        build(args.database_url, args.seed, args.revision)
    else:
        from bench.search_measure import measure

        measure(args.database_url, args.requests, args.http)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
