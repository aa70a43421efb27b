"""Profile the benchmark pages in-process: where a request's time goes, without HTTP.

Builds the same database as serve_and_measure.py in a temporary folder, then runs
N requests per page through Flask's test client under cProfile and prints the
functions that take the most time (cumulative and own).

    .venv/bin/python bench/profile_topic.py [--requests 200] [--users 300] [--top 35]
        [--page out|in|category|category-in|home|home-in|all]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_and_measure import Fixture, prepare_database


def logged_in_client(app: Any, fixture: Fixture) -> Any:
    """A test client logged in through the real login form (CSRF included)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no csrf token on /login")
    response = client.post(
        "/login",
        data={"csrf_token": token.group(1), "login": fixture.reader, "password": fixture.password},
    )
    if response.status_code != 302:
        raise SystemExit(f"login failed: {response.status_code}")
    return client


def profile(name: str, client: Any, path: str, requests: int, top: int) -> None:
    for _ in range(10):  # warm up: templates compiled, caches filled
        client.get(path)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {response.status_code}")
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"\n=== {name}: {path}: {elapsed / requests * 1000:.2f} ms per request (profiled)")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--page",
        choices=("out", "in", "category", "category-in", "home", "home-in", "all"),
        default="all",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tribune-profile-"))
    try:
        fixture = prepare_database(workdir, args.users)
        from app import create_app

        app = create_app()
        member = logged_in_client(app, fixture)
        pages = {
            "out": ("topic, logged out", app.test_client(), fixture.topic_path),
            "in": ("topic, logged in", member, fixture.topic_path),
            "category": ("category, logged out", app.test_client(), fixture.category_path),
            "category-in": ("category, logged in", member, fixture.category_path),
            "home": ("home, logged out", app.test_client(), "/"),
            "home-in": ("home, logged in", member, "/"),
        }
        for key, (name, client, path) in pages.items():
            if args.page in (key, "all"):
                profile(name, client, path, args.requests, args.top)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
