"""Importing a generated community: posts a second and peak memory (issue 6).

Writes an interchange folder (bench/out/import-M-P/, kept for later runs) with
``--members`` members, ``--posts`` posts (a topic's opening post counts as a post; a
topic has five posts on average, with a long tail), helpful votes (half as many as
posts), solutions for 40% of the questions, and Markdown bodies of about 300
characters. Authors follow a heavy tail (a few members write much of it), dates spread
over two years in time order. Then, in a child process on a new database made by the
app's migrations, the import as `tribune import jsonl` runs it, file by file, then the
recount and the ledger rebuild (`tribune points rebuild`), each timed; peak memory is
the child's peak RSS.

Targets: at least 3,000 posts a second on SQLite; peak memory under 300 MB.

``--stackexchange`` takes the other path: a generated Stack Exchange dump
(bench/out/se-M-P/: Users.xml, Posts.xml with questions, answers and accepted answers,
Comments.xml, Votes.xml with up-votes, down-votes and votes on deleted posts) imported
as `tribune import stackexchange` does, each phase timed, then a second, no-op
`tribune points rebuild`. Targets there: the accepted-answer phase no slower per row
than the votes phase, and the no-op rebuild under a second.

    .venv/bin/python bench/import_bench.py --members 100000 --posts 1000000 --write
    .venv/bin/python bench/import_bench.py --members 10000 --posts 100000
    .venv/bin/python bench/import_bench.py ... --database-url postgresql+psycopg://postgres@127.0.0.1/import_bench
    .venv/bin/python bench/import_bench.py --stackexchange --members 10000 --posts 100000 --write
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.leaderboard_bench import load_average, machine  # noqa: E402

OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"
TARGET_POSTS_PER_SECOND = 3000
TARGET_PEAK_MB = 300
START = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 86400
WORDS = ("descale", "milk", "frother", "pump", "pressure", "grind", "beans", "espresso",
         "water", "filter", "temperature", "warranty", "cleaning", "tablet", "capsule",
         "crema", "steam", "wand", "boiler", "gasket", "the", "and", "with", "after",
         "before", "every", "week", "light", "blinks", "works", "again", "thanks")  # fmt: skip


def _when(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _body(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(48)]
    return (
        " ".join(words[:24])
        + ".\n\n- "
        + " ".join(words[24:36])
        + "\n- **"
        + " ".join(words[36:])
        + "**"
    )


def generate(folder: Path, members: int, posts: int, seed: int = 6) -> dict[str, int]:
    """Write the interchange folder; returns the records per file."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(
        {"format": "tribune-interchange", "version": 1, "source": "bench"}))  # fmt: skip
    counts: dict[str, int] = {}

    def write(name: str, records) -> None:  # type: ignore[no-untyped-def]
        n = 0
        with (folder / f"{name}.jsonl").open("w", encoding="utf-8") as stream:
            for record in records:
                stream.write(json.dumps(record, separators=(",", ":")) + "\n")
                n += 1
        counts[name] = n
        print(f"  {name:<11} {n:>9}", flush=True)

    write("members", ({"id": n, "username": f"member{n}", "email": f"m{n}@example.com",
                       "created_at": _when(n / members * SPAN_SECONDS * 0.5)}
                      for n in range(members)))  # fmt: skip
    write("categories", ({"id": c, "name": f"Category {c}", "slug": f"category-{c}"}
                         for c in range(8)))  # fmt: skip

    def author(at: float) -> int:
        # Heavy tail among those who had joined by then.
        joined = max(1, int(min(1.0, at / (SPAN_SECONDS * 0.5)) * members))
        return min(joined - 1, int(rng.paretovariate(1.2)) - 1)

    topics = posts // 5
    topic_times = sorted(rng.random() * SPAN_SECONDS for _ in range(topics))
    write("topics", ({"id": t, "category": t % 8, "author": author(at), "title": f"Question {t}: "
                      + " ".join(rng.choice(WORDS) for _ in range(6)), "body": _body(rng),
                      "tags": [rng.choice(WORDS[:20])], "created_at": _when(at)}
                     for t, at in enumerate(topic_times)))  # fmt: skip
    # Replies: each topic's in time order after it (the file is in topic order).
    replies_left = posts - topics
    reply_rows: list[tuple[int, float, int]] = []

    def replies():  # type: ignore[no-untyped-def]
        nonlocal replies_left
        post_id = 0
        for t, at in enumerate(topic_times):
            n = min(replies_left, int(rng.expovariate(1 / 4)))
            if t == topics - 1:
                n = replies_left
            replies_left -= n
            when = at
            for _ in range(n):
                when += rng.expovariate(1 / 7200)
                writer = author(when)
                reply_rows.append((post_id, when, writer))
                yield {"id": post_id, "topic": t, "author": writer, "body": _body(rng),
                       "created_at": _when(when)}  # fmt: skip
                post_id += 1

    write("posts", replies())

    def votes():  # type: ignore[no-untyped-def]
        for post_id, when, writer in rng.sample(reply_rows, min(len(reply_rows), posts // 2)):
            voter = rng.randrange(members)
            if voter != writer:
                yield {"post": post_id, "voter": voter, "created_at": _when(when + 3600)}

    write("votes", votes())
    return counts


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from app import create_app
from app.extensions import db
from app.interchange import importer as importer_module
from app.interchange.importer import Importer
from app.badges.history import rebuild_from_history
from app.core import events

url, folder = sys.argv[1], Path(sys.argv[2])
app = create_app("production", {"DATABASE_URL": url, "SECRET_KEY": "bench",
                                "BASE_URL": "https://bench.example"})
with app.app_context():
    from flask_migrate import upgrade
    upgrade()
    importer = Importer.from_folder(folder, workers=int(sys.argv[3]))
    seconds = {}
    started = time.perf_counter()
    from app.interchange.cooking import cooks
    cooking = cooks(importer.workers)
    importer._cook = cooking.__enter__()
    for source in importer.sources:
        t = time.perf_counter()
        report = importer._import_file(source)
        seconds[source.name] = time.perf_counter() - t
        if report.errors:
            raise SystemExit(f"{source.name}: {report.errors[:3]}")
    cooking.__exit__(None, None, None)
    t = time.perf_counter()
    from app.interchange.recount import recount
    recount()
    db.session.commit()
    seconds["recount"] = time.perf_counter() - t
    t = time.perf_counter()
    figures = rebuild_from_history()
    events.commit()
    seconds["rebuild"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "entries": figures["entries"],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_import(url: str, folder: Path, workers: int, child: str = CHILD) -> dict:
    done = subprocess.run([sys.executable, "-c", child, url, str(folder), str(workers)], cwd=ROOT,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-4000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def generate_dump(folder: Path, members: int, posts: int, seed: int = 15) -> dict[str, int]:
    """Write a Stack Exchange dump of ``posts`` questions and answers; records per file."""
    from xml.sax.saxutils import quoteattr

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}

    def write(name: str, rows) -> None:  # type: ignore[no-untyped-def]
        n = 0
        with (folder / f"{name}.xml").open("w", encoding="utf-8") as stream:
            stream.write(f'<?xml version="1.0" encoding="utf-8"?>\n<{name.lower()}>\n')
            for row in rows:
                attributes = " ".join(f"{k}={quoteattr(str(v))}" for k, v in row.items())
                stream.write(f"  <row {attributes} />\n")
                n += 1
            stream.write(f"</{name.lower()}>\n")
        counts[name] = n
        print(f"  {name:<11} {n:>9}", flush=True)

    def when(seconds: float) -> str:
        return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.000")

    def author() -> int:
        return min(members, int(rng.paretovariate(1.2)))

    write("Users", ({"Id": n, "DisplayName": f"user {n}", "CreationDate": when(0),
                     "Reputation": 1} for n in [-1, *range(1, members + 1)]))  # fmt: skip
    questions = posts // 5
    post_rows: list[tuple[int, float, int]] = []  # answers: (id, date, question)
    rows: list[dict] = []
    next_id = 1
    for q in range(questions):
        at = q / questions * SPAN_SECONDS
        qid, next_id = next_id, next_id + 1
        answers = []
        gap = SPAN_SECONDS / questions  # answers before the next question: ids in time order
        for k in range(4):  # questions and their answers: ``posts`` in all
            answers.append((next_id, at + gap * (k + 1) / 6))
            next_id += 1
        accepted = answers[0][0] if answers and rng.random() < 0.4 else None
        rows.append({"Id": qid, "PostTypeId": 1, "CreationDate": when(at), "OwnerUserId": author(),
                     "Title": f"Question {q}", "Body": f"<p>{_body(rng)}</p>",
                     "Tags": f"|{rng.choice(WORDS[:20])}|",
                     **({"AcceptedAnswerId": accepted} if accepted else {})})  # fmt: skip
        for aid, answered in answers:
            rows.append({"Id": aid, "PostTypeId": 2, "ParentId": qid,
                         "CreationDate": when(answered), "OwnerUserId": author(),
                         "Body": f"<p>{_body(rng)}</p>"})  # fmt: skip
            post_rows.append((aid, answered, qid))
    write("Posts", rows)
    del rows
    commented = sorted(rng.sample(post_rows, len(post_rows) // 2), key=lambda row: row[1])
    write("Comments", ({"Id": n, "PostId": post, "UserId": author(), "CreationDate": when(at + 60),
                        "Text": "Thanks, " + " ".join(rng.choice(WORDS) for _ in range(8))}
                       for n, (post, at, _) in enumerate(commented)))  # fmt: skip

    def votes():  # type: ignore[no-untyped-def]
        n = 0
        for post, at, _ in post_rows:
            for _ in range(int(rng.expovariate(1 / 1.5))):
                n += 1
                yield {"Id": n, "PostId": post, "VoteTypeId": 2, "CreationDate": when(at + 3600)}
            if rng.random() < 0.1:
                n += 1
                yield {"Id": n, "PostId": post, "VoteTypeId": 3, "CreationDate": when(at + 3600)}
            if rng.random() < 0.05:  # a deleted post's vote, as dumps keep them
                n += 1
                yield {"Id": n, "PostId": next_id + n, "VoteTypeId": 2, "CreationDate": when(at)}

    write("Votes", votes())
    return counts


CHILD_SE = r"""
import json, resource, sys, time
from pathlib import Path
from app import create_app
from app.extensions import db
from app.interchange.importer import Importer
from app.interchange.stackexchange import Dump
from app.interchange.cooking import cooks
from app.interchange.recount import recount
from app.badges.history import rebuild_from_history
from app.core import events

url, folder = sys.argv[1], Path(sys.argv[2])
app = create_app("production", {"DATABASE_URL": url, "SECRET_KEY": "bench",
                                "BASE_URL": "https://bench.example"})
with app.app_context():
    from flask_migrate import upgrade
    upgrade()
    importer = Importer("bench-se", Dump(folder).sources(), shared_post_ids=True,
                        workers=int(sys.argv[3]))
    seconds, rows = {}, {}
    started = time.perf_counter()
    cooking = cooks(importer.workers)
    importer._cook = cooking.__enter__()
    for source in importer.sources:
        t = time.perf_counter()
        report = importer._import_file(source)
        seconds[source.name] = time.perf_counter() - t
        rows[source.name] = {"imported": report.imported, "not_taken": report.skipped,
                             "not_in_dump": report.absent, "refused": len(report.errors)}
        if report.errors:
            raise SystemExit(f"{source.name}: {report.errors[:3]}")
    cooking.__exit__(None, None, None)
    t = time.perf_counter()
    recount()
    db.session.commit()
    seconds["recount"] = time.perf_counter() - t
    t = time.perf_counter()
    figures = rebuild_from_history()
    events.commit()
    seconds["rebuild"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - started
    t = time.perf_counter()
    again = rebuild_from_history()
    events.commit()
    seconds["no-op rebuild"] = time.perf_counter() - t
    assert again["unchanged"] == 1
print(json.dumps({"seconds": seconds, "rows": rows, "entries": figures["entries"],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main_stackexchange(args: argparse.Namespace) -> int:
    folder = OUT / f"se-{args.members}-{args.posts}"
    if not (folder / "Votes.xml").is_file():
        print(f"Writing {folder}...", flush=True)
        generate_dump(folder, args.members, args.posts)
    url = args.database_url
    if url is None:
        database = OUT / f"se-{args.members}-{args.posts}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{database}"
    load = load_average()
    print(f"Importing the dump into {url.split('@')[-1]} (load {load:.2f})...", flush=True)
    figures = run_import(url, folder, args.workers, CHILD_SE)
    seconds, rows = figures["seconds"], figures["rows"]
    # Per row written: rows a phase reads and skips (down-votes...) cost next to nothing.
    per_row = {name: seconds[name] / max(1, rows[name]["imported"]) * 1000
               for name in ("votes", "accepted")}  # fmt: skip
    table = []
    for name, value in seconds.items():
        counted = rows.get(name)
        detail = (
            ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counted.items() if v)
            if counted
            else ""
        )
        ms = f"{value / max(1, counted['imported']) * 1000:.3f} ms" if counted else ""
        table.append(f"| {name} | {value:.1f} s | {ms} | {detail} |")
    print("\n".join(table))
    verdict = "met" if per_row["accepted"] <= per_row["votes"] else "NOT met"
    print(f"  accepted {per_row['accepted']:.3f} ms a row, votes {per_row['votes']:.3f} ms a row: "
          f"target {verdict}; no-op rebuild {seconds['no-op rebuild']:.2f} s; peak "
          f"{figures['peak_mb']:.0f} MB; load {load:.2f} -> {load_average():.2f}")  # fmt: skip
    if args.write:
        facts = machine()
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        command = (f".venv/bin/python bench/import_bench.py --stackexchange --members "
                   f"{args.members} --posts {args.posts} --workers {args.workers}"
                   + (" --database-url ..." if args.database_url else "") + " --write")  # fmt: skip
        section = f"""## Stack Exchange import ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {backend})

- Machine: {facts["cores"]} cores ({facts["cpu"]}), {facts["memory"]} RAM; load {load:.2f}
- Command: `{command}`
- A generated dump of {args.posts:,} posts (questions and answers), half as many comments,
  up-votes, down-votes and votes on posts not in the dump; peak memory
  {figures["peak_mb"]:.0f} MB; {figures["entries"]:,} ledger entries rebuilt
- **Accepted answers {per_row["accepted"]:.3f} ms a row, votes {per_row["votes"]:.3f} ms a
  row** (target: accepted no slower per row than votes: {verdict}); **a no-op
  `points rebuild` {seconds["no-op rebuild"]:.2f} s** (the full one: {seconds["rebuild"]:.1f} s)

| phase | time | per row written | rows |
|---|---:|---:|---|
{chr(10).join(table)}

"""
        text = RESULTS.read_text(encoding="utf-8")
        RESULTS.write_text(text.rstrip() + "\n\n" + section, encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="default: a new SQLite file in bench/out/")
    parser.add_argument(
        "--workers",
        type=int,
        default=min(4, os.cpu_count() or 1),
        help="processes cooking bodies, as `tribune import jsonl --workers`",
    )
    parser.add_argument("--write", action="store_true", help="add a section to RESULTS.md")
    parser.add_argument("--stackexchange", action="store_true",
                        help="import a generated Stack Exchange dump instead")  # fmt: skip
    args = parser.parse_args(argv)
    if args.stackexchange:
        return main_stackexchange(args)

    folder = OUT / f"import-{args.members}-{args.posts}"
    if not (folder / "votes.jsonl").is_file():
        print(f"Writing {folder}...", flush=True)
        generate(folder, args.members, args.posts)
    counts = {p.stem: sum(1 for _ in p.open("rb")) for p in folder.glob("*.jsonl")}
    url = args.database_url
    if url is None:
        database = OUT / f"import-{args.members}-{args.posts}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{database}"
    load = load_average()
    print(f"Importing into {url.split('@')[-1]} (load {load:.2f})...", flush=True)
    wall = time.perf_counter()
    figures = run_import(url, folder, args.workers)
    wall = time.perf_counter() - wall
    posts = counts["topics"] + counts["posts"]
    seconds = figures["seconds"]
    rate = posts / seconds["total"]
    lines = [f"  {name:<11} {value:8.1f} s" for name, value in seconds.items()]
    print("\n".join(lines))
    print(f"  {posts:,} posts in {seconds['total']:.1f} s: {rate:,.0f} posts/s "
          f"(target {TARGET_POSTS_PER_SECOND:,}); peak {figures['peak_mb']:.0f} MB "
          f"(target < {TARGET_PEAK_MB}); {figures['entries']:,} ledger entries; "
          f"child wall {wall:.1f} s; load {load:.2f} -> {load_average():.2f}")  # fmt: skip
    if args.write:
        _write(args, url, counts, figures, rate, load)
    return 0


def _write(args, url, counts, figures, rate, load) -> None:  # type: ignore[no-untyped-def]
    facts = machine()
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    seconds = figures["seconds"]
    rows = "\n".join(f"| {name} | {value:.1f} s |" for name, value in seconds.items())
    records = ", ".join(f"{name} {n:,}" for name, n in sorted(counts.items()))
    title = f"Import at scale ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {backend})"
    command = (f".venv/bin/python bench/import_bench.py --members {args.members} "
               f"--posts {args.posts} --workers {args.workers}"
               + (" --database-url ..." if args.database_url else "") + " --write")  # fmt: skip
    section = f"""## {title}

- Machine: {facts["cores"]} cores ({facts["cpu"]}), {facts["memory"]} RAM; load {load:.2f}
- Command: `{command}`
- Records: {records}
- **{rate:,.0f} posts a second** over the whole import (target {TARGET_POSTS_PER_SECOND:,});
  **peak memory {figures["peak_mb"]:.0f} MB** (target under {TARGET_PEAK_MB} MB);
  {figures["entries"]:,} ledger entries rebuilt

| phase | time |
|---|---:|
{rows}

"""
    text = RESULTS.read_text(encoding="utf-8")
    RESULTS.write_text(text.rstrip() + "\n\n" + section, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
