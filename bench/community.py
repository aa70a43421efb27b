"""A reusable generator of a large Tribune community, for benchmarks.

``generate(url, members=N)`` migrates an empty database and fills it with set-based bulk
inserts (executemany of plain tuples, tens of thousands of rows per statement batch):
members, categories, topics and posts with a power-law activity per member (most members
never post; a few post thousands of times), helpful votes (preferential attachment: voted
posts draw more votes), accepted answers, a points ledger consistent with
``users.points``, post revisions and visiting days. Activity is spread over two years and
skewed towards the present, so the week, month, year and all-time boards all differ.

Command line: ``.venv/bin/python bench/community.py --members 100000 --database-url URL``
(the default URL is an SQLite file under bench/out/).
"""

from __future__ import annotations

import argparse
import array
import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
BATCH = 20_000
DAY = 86_400
SPAN_DAYS = 730
PASSWORD = "bench-password"  # every member's; hashed once per generation
CATEGORIES = (
    ("Getting started", "getting-started"),
    ("Coffee machines", "coffee-machines"),
    ("Descaling and care", "descaling-and-care"),
    ("Milk and frothing", "milk-and-frothing"),
    ("Grinders", "grinders"),
    ("Recipes", "recipes"),
    ("Repairs", "repairs"),
    ("Feedback", "feedback"),
)
# Posting is spread unevenly: the first categories are busier.
CATEGORY_WEIGHTS = (30, 22, 16, 10, 8, 7, 5, 2)
WORDS = [
    "espresso",
    "grinder",
    "descale",
    "milk",
    "froth",
    "pump",
    "boiler",
    "pressure",
    "tamper",
    "basket",
    "portafilter",
    "crema",
    "roast",
    "beans",
    "water",
    "filter",
    "temperature",
    "steam",
    "wand",
    "gasket",
    "error",
    "cleaning",
]
STAFF = (("admin", 2), ("staff", 8), ("moderator", 10))
TABLES = (
    "users", "categories", "topics", "posts", "ledger_entries", "post_votes", "post_revisions",
    "member_visits",
)  # fmt: skip
POINTS = {
    "topic_started": 2,
    "reply_posted": 1,
    "answer_voted": 10,
    "question_voted": 5,
    "post_voted": 5,
    "answer_accepted": 15,
    "accepted_an_answer": 2,
}


@dataclass
class Figures:
    """What was generated, written next to an SQLite file as JSON."""

    members: int
    seed: int
    generated_at: int  # epoch seconds: "now" for the generated activity
    database_url: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def stamp(epoch: int) -> str:
    """A timestamp as SQLAlchemy stores naive UTC DateTime values (SQLite and PostgreSQL)."""
    return time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(epoch))


def key_stamp(epoch: int) -> str:
    """A timestamp as the badges listeners put it in ledger event keys."""
    return time.strftime("%Y%m%dT%H%M%S.000000", time.gmtime(epoch))


class Writer:
    """Bulk inserts through the DBAPI cursor, with the driver's placeholder style."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        self.counts: dict[str, int] = {}

    def sql(self, statement: str) -> None:
        self.connection.exec_driver_sql(statement)

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """INSERT many rows and commit."""
        if not rows:
            return
        marks = ", ".join([self.mark] * len(columns))
        names = ", ".join(columns)
        self.connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        self.connection.commit()
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def execute_many(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.connection.exec_driver_sql(statement.replace("?", self.mark), rows)
            self.connection.commit()


@contextmanager
def _bar(label: str, length: int, show: bool) -> Iterator[Any]:
    """A click progress bar, or a silent stand-in."""
    if not show:

        class Silent:
            def update(self, n: int) -> None:
                pass

        yield Silent()
        return
    with click.progressbar(length=max(length, 1), label=f"{label:<14}", width=36) as bar:
        yield bar


def _activity(rng: random.Random) -> int:
    """Posts a member writes: 0 for most, a Pareto tail for the rest."""
    if rng.random() >= 0.3:
        return 0
    return min(int(rng.paretovariate(1.1)), 20_000)


def _when(rng: random.Random, start: int, now: int) -> int:
    """A moment between start and now, more often recent."""
    return now - int((now - start) * rng.random() ** 1.6)


def _after(rng: random.Random, start: int, now: int, mean_days: float) -> int:
    return min(start + int(rng.expovariate(1 / (mean_days * DAY))), now)


def _text(rng: random.Random, kind: str, ident: int) -> tuple[str, str, str]:
    words = " ".join(rng.choice(WORDS) for _ in range(6))
    source = f"{kind} {ident}: {words}"
    return source, f"<p>{source}</p>", source.lower()


def _migrate(url: str) -> None:
    """Create the schema with the application's own migrations."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app("production", {"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine

    import app as _app  # noqa: F401  (registers the SQLite pragmas listener)

    return create_engine(url)


def generate(
    database_url: str,
    members: int = 1_000_000,
    seed: int = 20261123,
    progress: bool = True,
    now: int | None = None,
) -> Figures:
    """Migrate an empty database and fill it with a community of ``members`` members."""
    started = time.perf_counter()
    rng = random.Random(seed)
    now = now or int(time.time())
    figures = Figures(members=members, seed=seed, generated_at=now, database_url=database_url)
    _migrate(database_url)
    engine = _engine(database_url)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            connection.exec_driver_sql("PRAGMA cache_size=-500000")
        if connection.exec_driver_sql("SELECT count(*) FROM users").scalar():
            raise RuntimeError("the database already has members: give an empty one")
        connection.commit()
        out = Writer(connection)
        _fill(out, rng, members, now, progress)
        figures.rows = dict(out.counts)
    engine.dispose()
    figures.seconds = round(time.perf_counter() - started, 1)
    return figures


def _fill(out: Writer, rng: random.Random, members: int, now: int, show: bool) -> None:
    from werkzeug.security import generate_password_hash

    created = array.array("q", bytes(8 * (members + 1)))
    wants = array.array("q", bytes(8 * (members + 1)))
    _members(out, rng, members, now, created, wants, generate_password_hash(PASSWORD), show)
    _categories(out, now)
    topics, started = _topics(out, rng, members, now, created, wants, show)
    replies = array.array("q", (w - s for w, s in zip(wants, started, strict=True)))
    posts = _replies(out, rng, members, now, created, replies, topics, show)
    _accept(out, rng, now, topics, posts, show)
    _votes(out, rng, members, now, created, wants, topics, posts, show)
    _revisions(out, rng, now, posts, show)
    _visits(out, rng, members, now, wants, show)
    _totals(out, show)


def _members(
    out: Writer,
    rng: random.Random,
    members: int,
    now: int,
    created: array.array[int],
    wants: array.array[int],
    password_hash: str,
    show: bool,
) -> None:
    roles = [role for role, count in STAFF for _ in range(count)]
    columns = [
        "id",
        "username",
        "username_key",
        "email",
        "password_hash",
        "role",
        "bio",
        "locale",
        "registration_ip",
        "created_at",
        "session_version",
        "active",
        "suspended_until",
        "points",
    ]
    rows: list[tuple[Any, ...]] = []
    with _bar("members", members, show) as bar:
        for uid in range(1, members + 1):
            role = roles[uid - 1] if uid <= len(roles) else "member"
            joined = now - int(SPAN_DAYS * DAY * rng.random())
            created[uid] = joined
            wants[uid] = _activity(rng)
            name = f"m{uid:07d}"
            bio = "I make espresso every morning and fix machines." if uid % 50 == 0 else ""
            suspended = stamp(now + 30 * DAY) if uid % 2000 == 7 else None
            ip = f"10.{uid % 251}.{(uid // 251) % 251}.{uid % 97}"
            rows.append(
                (uid, name, name, f"{name}@example.com", password_hash, role, bio,
                 "fr" if uid % 3 else "en", ip, stamp(joined), 1, uid % 500 != 3,
                 suspended, 0)
            )  # fmt: skip
            if len(rows) >= BATCH:
                out.insert("users", columns, rows)
                bar.update(len(rows))
                rows = []
        out.insert("users", columns, rows)
        bar.update(len(rows))


def _categories(out: Writer, now: int) -> None:
    columns = [
        "id",
        "name",
        "slug",
        "description",
        "position",
        "topic_count",
        "post_count",
        "created_at",
    ]
    rows = [
        (i, name, slug, f"All about {name.lower()}.", i, 0, 0, stamp(now - SPAN_DAYS * DAY))
        for i, (name, slug) in enumerate(CATEGORIES, start=1)
    ]
    out.insert("categories", columns, rows)


@dataclass
class Topics:
    """Per-topic arrays (index = topic id = its opening post's id)."""

    author: array.array[int]
    created: array.array[int]
    category: array.array[int]
    question: array.array[int]
    replies: array.array[int]
    last_at: array.array[int]
    last_poster: array.array[int]
    first_answer: array.array[int]

    @property
    def count(self) -> int:
        return len(self.author) - 1


@dataclass
class Posts:
    """Per-post arrays for replies and opening posts (index = post id)."""

    author: array.array[int]
    created: array.array[int]
    topic: array.array[int]
    position: array.array[int]

    @property
    def count(self) -> int:
        return len(self.author) - 1


POST_COLUMNS = [
    "id",
    "topic_id",
    "author_id",
    "position",
    "body_source",
    "body_html",
    "search_text",
    "vote_count",
    "created_at",
    "edit_count",
]
LEDGER_COLUMNS = [
    "user_id",
    "action",
    "points",
    "post_id",
    "topic_id",
    "category_id",
    "actor_id",
    "created_at",
    "event_key",
    "capped",
]


def _topics(
    out: Writer,
    rng: random.Random,
    members: int,
    now: int,
    created: array.array[int],
    wants: array.array[int],
    show: bool,
) -> tuple[Topics, array.array[int]]:
    """Each post a member wants is a new topic one time in four."""
    t = Topics(*(array.array("q", [0]) for _ in range(8)))
    starts = array.array("q", bytes(8 * (members + 1)))
    categories = list(range(1, len(CATEGORIES) + 1))
    topic_rows: list[tuple[Any, ...]] = []
    post_rows: list[tuple[Any, ...]] = []
    ledger_rows: list[tuple[Any, ...]] = []
    topic_columns = [
        "id",
        "category_id",
        "author_id",
        "kind",
        "title",
        "pinned",
        "locked",
        "view_count",
        "reply_count",
        "created_at",
        "last_posted_at",
        "last_poster_id",
    ]

    def flush() -> None:
        out.insert("topics", topic_columns, topic_rows)
        out.insert("posts", POST_COLUMNS, post_rows)
        out.insert("ledger_entries", LEDGER_COLUMNS, ledger_rows)
        topic_rows.clear()
        post_rows.clear()
        ledger_rows.clear()

    with _bar("topics", members, show) as bar:
        for uid in range(1, members + 1):
            wanted = wants[uid]
            started = sum(1 for _ in range(wanted) if rng.random() < 0.25)
            starts[uid] = started
            for _ in range(started):
                tid = t.count + 1
                at = _when(rng, created[uid], now)
                category = rng.choices(categories, CATEGORY_WEIGHTS)[0]
                question = rng.random() < 0.7
                for column, value in zip(
                    (t.author, t.created, t.category, t.question, t.replies, t.last_at,
                     t.last_poster, t.first_answer),
                    (uid, at, category, int(question), 0, at, uid, 0),
                    strict=True,
                ):  # fmt: skip
                    column.append(value)
                title = f"Topic {tid}: " + " ".join(rng.choice(WORDS) for _ in range(5))
                when = stamp(at)
                topic_rows.append(
                    (tid, category, uid, "question" if question else "discussion", title,
                     False, False, rng.randrange(500), 0, when, when, uid)
                )  # fmt: skip
                source, html, search = _text(rng, "Question" if question else "Topic", tid)
                post_rows.append((tid, tid, uid, 0, source, html, title.lower() + " " + search,
                                  0, when, 0))  # fmt: skip
                ledger_rows.append((uid, "topic_started", POINTS["topic_started"], tid, tid,
                                    category, None, when, f"topic:{tid}", False))  # fmt: skip
            if len(post_rows) >= BATCH:
                flush()
            if uid % 10_000 == 0:
                bar.update(10_000)
        flush()
        bar.update(members % 10_000)
    return t, starts


def _replies(
    out: Writer,
    rng: random.Random,
    members: int,
    now: int,
    created: array.array[int],
    replies: array.array[int],
    t: Topics,
    show: bool,
) -> Posts:
    """Replies go to random topics, after the topic and after the replier joined."""
    p = Posts(
        array.array("q", t.author),
        array.array("q", t.created),
        array.array("q", range(t.count + 1)),
        array.array("q", bytes(8 * (t.count + 1))),
    )
    if t.count == 0:
        return p
    post_rows: list[tuple[Any, ...]] = []
    ledger_rows: list[tuple[Any, ...]] = []

    def flush() -> None:
        out.insert("posts", POST_COLUMNS, post_rows)
        out.insert("ledger_entries", LEDGER_COLUMNS, ledger_rows)
        post_rows.clear()
        ledger_rows.clear()

    with _bar("replies", members, show) as bar:
        for uid in range(1, members + 1):
            for _ in range(replies[uid]):
                tid = rng.randint(1, t.count)
                start = max(t.created[tid], created[uid])
                # A few answers come months later (for the necromancer badge).
                mean = 120.0 if rng.random() < 0.03 else 2.0
                at = _after(rng, start, now, mean)
                pid = p.count + 1
                position = t.replies[tid] + 1
                t.replies[tid] = position
                if at >= t.last_at[tid]:
                    t.last_at[tid], t.last_poster[tid] = at, uid
                if t.first_answer[tid] == 0 and uid != t.author[tid]:
                    t.first_answer[tid] = pid
                p.author.append(uid)
                p.created.append(at)
                p.topic.append(tid)
                p.position.append(position)
                when = stamp(at)
                source, html, search = _text(rng, "Reply", pid)
                post_rows.append((pid, tid, uid, position, source, html, search, 0, when, 0))
                ledger_rows.append((uid, "reply_posted", POINTS["reply_posted"], pid, tid,
                                    t.category[tid], None, when, f"post:{pid}", False))  # fmt: skip
            if len(post_rows) >= BATCH:
                flush()
            if uid % 10_000 == 0:
                bar.update(10_000)
        flush()
        bar.update(members % 10_000)
    return p


def _accept(out: Writer, rng: random.Random, now: int, t: Topics, p: Posts, show: bool) -> None:
    """Counters and last poster of every topic; 40% of answered questions get a solution."""
    updates: list[tuple[Any, ...]] = []
    ledger_rows: list[tuple[Any, ...]] = []
    statement = (
        "UPDATE topics SET reply_count = ?, last_posted_at = ?, last_poster_id = ?, "
        "accepted_post_id = ? WHERE id = ?"
    )

    def flush() -> None:
        out.execute_many(statement, updates)
        out.insert("ledger_entries", LEDGER_COLUMNS, ledger_rows)
        updates.clear()
        ledger_rows.clear()

    with _bar("solutions", t.count, show) as bar:
        for tid in range(1, t.count + 1):
            accepted = None
            answer = t.first_answer[tid]
            if t.question[tid] and answer and rng.random() < 0.4:
                accepted = answer
                at = _after(rng, p.created[answer], now, 1.0)
                asker, author = t.author[tid], p.author[answer]
                key = f"accept:{tid}:{answer}:{key_stamp(at)}"
                when, category = stamp(at), t.category[tid]
                ledger_rows.append((author, "answer_accepted", POINTS["answer_accepted"], answer,
                                    tid, category, asker, when, key, False))  # fmt: skip
                ledger_rows.append((asker, "accepted_an_answer", POINTS["accepted_an_answer"],
                                    answer, tid, category, asker, when, key + ":accepter",
                                    False))  # fmt: skip
            if t.replies[tid] or accepted:
                updates.append(
                    (t.replies[tid], stamp(t.last_at[tid]), t.last_poster[tid], accepted, tid)
                )
            if len(updates) >= BATCH:
                flush()
                bar.update(BATCH)
        flush()
        bar.update(t.count % BATCH)
    out.sql(
        "UPDATE categories SET topic_count = (SELECT count(*) FROM topics "
        "WHERE topics.category_id = categories.id), post_count = (SELECT count(*) FROM posts "
        "JOIN topics ON topics.id = posts.topic_id WHERE topics.category_id = categories.id), "
        "last_posted_at = (SELECT max(last_posted_at) FROM topics "
        "WHERE topics.category_id = categories.id)"
    )
    out.connection.commit()


def _votes(
    out: Writer,
    rng: random.Random,
    members: int,
    now: int,
    created: array.array[int],
    wants: array.array[int],
    t: Topics,
    p: Posts,
    show: bool,
) -> None:
    """About one helpful vote per member; voted posts attract more votes (power law)."""
    if p.count == 0:
        return
    total = members
    active = [uid for uid in range(1, members + 1) if wants[uid] or rng.random() < 0.05]
    voted: array.array[int] = array.array("q")
    seen: set[int] = set()
    counts = array.array("q", bytes(8 * (p.count + 1)))
    vote_rows: list[tuple[Any, ...]] = []
    ledger_rows: list[tuple[Any, ...]] = []

    def flush() -> None:
        out.insert("post_votes", ("post_id", "user_id", "created_at"), vote_rows)
        out.insert("ledger_entries", LEDGER_COLUMNS, ledger_rows)
        vote_rows.clear()
        ledger_rows.clear()

    with _bar("votes", total, show) as bar:
        made, attempts = 0, 0
        while made < total and attempts < 5 * total:
            attempts += 1
            pid = rng.choice(voted) if voted and rng.random() < 0.6 else rng.randint(1, p.count)
            voter = rng.choice(active)
            author = p.author[pid]
            pair = pid * (members + 1) + voter
            if voter == author or pair in seen:
                continue
            seen.add(pair)
            voted.append(pid)
            counts[pid] += 1
            at = _after(rng, max(p.created[pid], created[voter]), now, 3.0)
            tid = p.topic[pid]
            if t.question[tid]:
                action = "answer_voted" if p.position[pid] else "question_voted"
            else:
                action = "post_voted"
            when = stamp(at)
            vote_rows.append((pid, voter, when))
            ledger_rows.append((author, action, POINTS[action], pid, tid, t.category[tid], voter,
                                when, f"vote:{pid}:{voter}:{key_stamp(at)}", True))  # fmt: skip
            made += 1
            if len(vote_rows) >= BATCH:
                flush()
                bar.update(BATCH)
        flush()
        bar.update(total % BATCH)
    updates = [(counts[pid], pid) for pid in range(1, p.count + 1) if counts[pid]]
    for start in range(0, len(updates), BATCH):
        out.execute_many(
            "UPDATE posts SET vote_count = ? WHERE id = ?", updates[start : start + BATCH]
        )


def _revisions(out: Writer, rng: random.Random, now: int, p: Posts, show: bool) -> None:
    """One post in a hundred was edited once by its author."""
    columns = ["post_id", "number", "body_source", "editor_id", "reason", "created_at"]
    rows: list[tuple[Any, ...]] = []
    edits: list[tuple[Any, ...]] = []
    with _bar("revisions", p.count, show) as bar:
        for pid in range(1, p.count + 1):
            if rng.random() < 0.01:
                at = _after(rng, p.created[pid], now, 1.0)
                rows.append((pid, 1, f"First draft of {pid}", p.author[pid], "typo", stamp(at)))
                edits.append((stamp(at), pid))
            if len(rows) >= BATCH // 4:
                out.insert("post_revisions", columns, rows)
                out.execute_many(
                    "UPDATE posts SET edited_at = ?, edit_count = 1 WHERE id = ?", edits
                )
                rows, edits = [], []
            if pid % 100_000 == 0:
                bar.update(100_000)
        out.insert("post_revisions", columns, rows)
        out.execute_many("UPDATE posts SET edited_at = ?, edit_count = 1 WHERE id = ?", edits)
        bar.update(p.count % 100_000)


def _visits(
    out: Writer, rng: random.Random, members: int, now: int, wants: array.array[int], show: bool
) -> None:
    """Runs of consecutive visiting days for posters and some readers."""
    today = now // DAY
    rows: list[tuple[Any, ...]] = []
    with _bar("visits", members, show) as bar:
        for uid in range(1, members + 1):
            if (wants[uid] and rng.random() < 0.5) or rng.random() < 0.02:
                end = today - rng.randrange(SPAN_DAYS // 2)
                length = min(int(rng.paretovariate(1.0) * 2), 200)
                for day in range(max(end - length, today - SPAN_DAYS), end + 1):
                    rows.append((uid, time.strftime("%Y-%m-%d", time.gmtime(day * DAY))))
            if len(rows) >= BATCH:
                out.insert("member_visits", ("user_id", "day"), rows)
                rows = []
            if uid % 10_000 == 0:
                bar.update(10_000)
        out.insert("member_visits", ("user_id", "day"), rows)
        bar.update(members % 10_000)


def _totals(out: Writer, show: bool) -> None:
    """users.points = the ledger's sum, in one statement; sequences and WAL tidied up."""
    with _bar("points", 1, show) as bar:
        out.sql(
            "UPDATE users SET points = t.total FROM (SELECT user_id, sum(points) AS total "
            "FROM ledger_entries GROUP BY user_id) AS t WHERE t.user_id = users.id"
        )
        out.connection.commit()
        bar.update(1)
    if out.connection.dialect.name == "postgresql":
        for table in ("users", "categories", "topics", "posts", "ledger_entries", "post_revisions"):
            out.sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        out.connection.commit()
        out.connection.execution_options(isolation_level="AUTOCOMMIT")
        out.sql("VACUUM ANALYZE")
    else:
        out.sql("PRAGMA wal_checkpoint(TRUNCATE)")


def sqlite_path(members: int) -> Path:
    return OUT / f"community-{members}.db"


def _default_url(members: int) -> str:
    return f"sqlite:///{sqlite_path(members)}"


def main(argv: list[str] | None = None) -> int:
    """Build a community from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty database (default: SQLite in bench/out)")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    url = args.database_url or _default_url(args.members)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists():
            parser.error(f"{path} exists; remove it or give another --database-url")
        path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TRIBUNE_SECRET_KEY", "bench")
    figures = generate(url, args.members, args.seed, progress=not args.quiet)
    print(json.dumps(asdict(figures), indent=2))
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///") + ".json").write_text(json.dumps(asdict(figures)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
