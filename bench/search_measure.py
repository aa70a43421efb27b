"""The measuring half of bench/search_bench.py: the search service, and /search over HTTP.

In-process: ``search.search_topics`` as a visitor (one statement, then the snippets), for
each word, after 5 warm-ups; the median and p95 of the wall time, and the mean CPU time
per search: this process's, plus on PostgreSQL its backend's (read from /proc: the
server is local; parallel workers' share is not counted). The machine is shared: CPU
time shows what the work itself costs while other processes hold the cores. Each word
is timed with the candidate cap as configured and with no cap (every match ranked: what
the cap saves).
Over HTTP (``--http``): gunicorn, 2 sync workers, ``bench.wsgi:application``, one client
sending ``GET /search?q=WORD`` one request after another.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORDS = (("common", "espresso"), ("middling", "ristretto"), ("rare", "gaggia"))
UNCAPPED = 10_000_000
# A common word with each filter: the candidates are taken after the filter, so a
# selective one (a small category, a tag) walks more of the word's matches.
FILTERED = (
    ("espresso", {"author": "s000123"}),
    ("espresso", {"category": "feedback"}),
    ("espresso", {"tag": "latte"}),
    ("espresso", {"solved": "solved"}),
    ("espresso", {"period": "week"}),
)


def _app(url: str) -> Any:
    from app import create_app

    return create_app(
        "production",
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False},
    )


def _server_ticks(pid: int | None) -> int:
    """CPU clock ticks (user + system) of the PostgreSQL backend serving this process."""
    if pid is None:
        return 0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _time_service(
    word: str, requests: int, filters: dict[str, str] | None = None
) -> dict[str, float]:
    from sqlalchemy import text

    from app.extensions import db
    from app.forum.search import SearchFilters, search_topics

    walls = []
    found = None
    backend = None
    if db.engine.dialect.name == "postgresql":
        # One pooled connection, so one backend does every search below.
        db.engine.pool.dispose()
        backend = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()
    ticks = os.sysconf("SC_CLK_TCK")
    for n in range(requests + 5):
        if n == 5:
            cpu, server = time.process_time(), _server_ticks(backend)
        wall = time.perf_counter()
        found = search_topics(
            None, word, page=1, per_page=20, filters=SearchFilters(**(filters or {}))
        )
        if n >= 5:
            walls.append((time.perf_counter() - wall) * 1000)
        db.session.remove()
    cpu_ms = (time.process_time() - cpu) * 1000 / requests
    server_ms = (_server_ticks(backend) - server) * 1000 / ticks / requests
    assert found is not None
    walls.sort()
    return {
        "median": statistics.median(walls),
        "p95": walls[int(len(walls) * 0.95) - 1],
        "cpu": cpu_ms + server_ms,
        "found": found.found,
        "capped": found.capped,
    }


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _serve(url: str) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {**os.environ, "TRIBUNE_CONFIG": "production", "TRIBUNE_DATABASE_URL": url,
           "TRIBUNE_SECRET_KEY": "bench", "TRIBUNE_RATELIMIT_ENABLED": "false",
           "TRIBUNE_BASE_URL": f"http://127.0.0.1:{port}",
           "TRIBUNE_TRUSTED_HOSTS": "127.0.0.1", "PYTHONPATH": str(ROOT)}  # fmt: skip
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--worker-class",
               "sync", "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--chdir",
               str(ROOT), "bench.wsgi:application"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/__hello", timeout=5).read()
            return process, port
        except OSError:
            time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("gunicorn did not answer")


def _time_http(port: int, word: str, requests: int) -> dict[str, float]:
    walls = []
    for n in range(requests + 5):
        began = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/search?q={word}", timeout=60) as r:
            assert r.status == 200
            r.read()
        if n >= 5:
            walls.append((time.perf_counter() - began) * 1000)
    walls.sort()
    return {"median": statistics.median(walls), "p95": walls[int(len(walls) * 0.95) - 1]}


def measure(url: str, requests: int, http: bool) -> None:
    """Print a Markdown table of the first page's times for each word."""
    app = _app(url)
    print(f"database: {url.split('@')[-1]}; load before: {_load()}", flush=True)
    print("| word | matches | cap | median (ms) | p95 (ms) | CPU mean (ms) | topics found |")
    print("|---|---|---:|---:|---:|---:|---:|")
    with app.app_context():
        cap = app.config["SEARCH_CANDIDATES"]
        for kind, word in WORDS:
            for limit in (cap, UNCAPPED):
                app.config["SEARCH_CANDIDATES"] = limit
                figures = _time_service(word, requests if limit == cap else max(requests // 5, 5))
                shown = f"{limit:,}" if limit == cap else "none"
                print(f"| {kind} `{word}` | {'capped' if figures['capped'] else 'all'} | {shown} "
                      f"| {figures['median']:.1f} | {figures['p95']:.1f} | {figures['cpu']:.1f} "
                      f"| {figures['found']:,} |", flush=True)  # fmt: skip
            app.config["SEARCH_CANDIDATES"] = cap
        print("\n| filtered (cap 2,000) | median (ms) | p95 (ms) | CPU per search (ms) | topics |")
        print("|---|---:|---:|---:|---:|")
        for word, filters in FILTERED:
            figures = _time_service(word, max(requests // 5, 5), filters)
            print(f"| `{word}` {filters} | {figures['median']:.1f} | {figures['p95']:.1f} "
                  f"| {figures['cpu']:.1f} | {figures['found']:,} |", flush=True)  # fmt: skip
    print(f"load after: {_load()}", flush=True)
    if not http:
        return
    process, port = _serve(url)
    try:
        print("\n| over HTTP (gunicorn, 2 workers) | median (ms) | p95 (ms) |\n|---|---:|---:|")
        for kind, word in WORDS:
            figures = _time_http(port, word, requests)
            print(f"| {kind} `{word}` | {figures['median']:.1f} | {figures['p95']:.1f} |",
                  flush=True)  # fmt: skip
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    print(f"load after: {_load()}", flush=True)


if __name__ == "__main__":
    sys.exit("run bench/search_bench.py measure")
