"""Delivering queued campaign email to a local SMTP sink: messages per second, peak memory.

A fresh database is made as bench/campaign_send.py makes it (the app's migrations,
members by one INSERT ... SELECT, two languages, 5% opted out), an event campaign is
sent to all of them (so each email has text, HTML, List-Unsubscribe headers and the
event's calendar file), leaving ``--messages`` or so queued in the outbox. Then:

- a sink process: an aiosmtpd server on a loopback port that counts what it receives
  and throws it away (its own process, so its event loop does not share the sender's
  interpreter);
- a child process (``create_app("production")``, MAIL_SERVER the sink) runs the
  ``deliver-mail`` job through ``run_job`` once with no pacing (rate 0) and a batch as
  large as the queue: one SMTP connection, each message claimed, sent and marked sent
  in its own commits, as in production.

The child reports the run's wall time, messages per second, its resident memory
before the run and its peak (VmHWM), and the Python allocations' peak (tracemalloc,
in a second, smaller run, because tracing slows every allocation). The sink's count
must equal the messages sent.

    .venv/bin/python bench/mail_delivery.py --messages 10000
    .venv/bin/python bench/mail_delivery.py --messages 10000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/tribune_bench

The PostgreSQL database must exist and its name must contain "bench": its public
schema is dropped and made again. SQLite databases go to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.campaign_send import OUT, _app, _fill, _reset, _status  # noqa: E402


def sink(port: int, counted: str) -> None:
    """An SMTP server counting messages into the file ``counted`` until SIGTERM."""
    from aiosmtpd.controller import Controller

    class Counter:
        received = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            Counter.received += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stopped = False

    def stop(*_: Any) -> None:
        nonlocal stopped
        stopped = True

    signal.signal(signal.SIGTERM, stop)
    while not stopped:
        time.sleep(0.1)
    controller.stop()
    Path(counted).write_text(str(Counter.received))


def _send_campaign(url: str, staff_id: int) -> int:
    """Send an event campaign to every member: the queue to deliver; how many emails."""
    from datetime import timedelta

    from app.accounts.models import User
    from app.core.clock import now_utc
    from app.core.events import commit
    from app.extensions import db
    from app.invitations import campaigns, sending

    app = _app(url)
    with app.app_context():
        staff = db.session.get(User, staff_id)
        campaign = campaigns.create(
            staff, "event", title_en="Tasting at the roastery", title_fr="Dégustation",
            description_en="Taste the **new** blends first.", description_fr="Goûtez **avant**.",
            message_en="Dear {name}, come along.", message_fr="Cher {name}, venez.",
            place="Lyon", starts_at=now_utc() + timedelta(days=10),
            ends_at=now_utc() + timedelta(days=10, hours=2),
            reply_deadline=now_utc() + timedelta(days=7),
        )  # fmt: skip
        commit()
        result = sending.send(campaign.id, actor_id=staff_id)
        commit()
        db.engine.dispose()
    return result.emailed


def child(url: str, port: int, traced: int) -> dict[str, Any]:
    """Deliver the whole queue to the sink, then ``traced`` more under tracemalloc."""
    import tracemalloc

    from sqlalchemy import update

    from app.core.mail import QUEUED, SENT, OutboxMessage
    from app.core.scheduler import run_job
    from app.extensions import db

    app = _app(url)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT_SECONDS=30)
    with app.app_context():
        options = {"rate": 0, "batch_size": 10**9, "batch_seconds": 3600}
        before = _status("VmRSS")
        started = time.perf_counter()
        run = run_job("deliver-mail", **options)
        seconds = time.perf_counter() - started
        peak = _status("VmHWM")
        assert run.outcome == "success", run.error
        figures = dict(run.figures)  # read now: the run's row expires at the next commit
        sent = int(figures["sent"])
        # Again for a few, under tracemalloc: the Python heap's peak while delivering.
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id <= traced, OutboxMessage.status == SENT)
            .values(status=QUEUED, sent_at=None)
        )
        db.session.commit()
        tracemalloc.start()
        again = run_job("deliver-mail", **options)
        traced_sent = int(again.figures["sent"])
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.engine.dispose()
    return {"sent": sent, "failed": figures["failed"], "retried": figures["retried"],
            "seconds": round(seconds, 2), "per_second": round(sent / seconds, 1),
            "rss_before_mb": round(before, 1), "peak_mb": round(peak, 1),
            "traced_messages": traced_sent,
            "traced_peak_mb": round(traced_peak / 2**20, 1)}  # fmt: skip


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(url: str, messages: int, traced: int) -> dict[str, Any]:
    members = round(messages / 0.95)  # one in 20 opted out of campaign email
    _reset(url)
    _fill(url, members)
    queued = _send_campaign(url, members + 1)
    port = _free_port()
    counted = OUT / f"sink-{port}.count"
    server = subprocess.Popen([sys.executable, __file__, "--sink", str(port), str(counted)],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)  # fmt: skip
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        done = subprocess.run(
            [sys.executable, __file__, "--child", url, str(port), str(traced)],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    received = int(counted.read_text())
    counted.unlink()
    return {"database": url.split(":", 1)[0], "queued": queued, **figures,
            "sink_received": received}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--traced", type=int, default=1_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--sink", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=3, metavar=("URL", "PORT", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        sink(int(args.sink[0]), args.sink[1])
        return
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), int(args.child[2]))))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"# {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    url = args.database_url or f"sqlite:///{OUT / f'mail-{args.messages}.db'}"
    print(json.dumps(_run(url, args.messages, args.traced)), flush=True)


if __name__ == "__main__":
    main()
