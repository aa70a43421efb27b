"""Serve Tribune with gunicorn on a seeded database and measure it with wrk.

One run: a temporary instance folder and SQLite database, ``tribune db upgrade``,
``tribune seed-demo``, a benchmark question with 50 answers of about 600 characters
of Markdown, then gunicorn (2 sync workers, ``bench.wsgi:application``) and, for each
round, wrk against a bare WSGI "hello" served by the same workers, the question's page
logged out and logged in, and its category page. The median of the rounds goes into
bench/RESULTS.md, newest section first.

    .venv/bin/python bench/serve_and_measure.py [--rounds 3] [--duration 10] [--users 300]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
WORKERS = 2
WRK_THREADS = 2
WRK_CONNECTIONS = 8
ANSWERS = 50
ANSWER_LENGTH = 600
READER = "bench-reader"
READER_PASSWORD = "Lecteur-du-banc-2026!"

TARGET_LOGGED_OUT = 0.15
TARGET_LOGGED_IN = 0.10
TARGET_HTML_BYTES = 60_000

RESULTS_HEADER = """# Benchmark results

Written by `bench/serve_and_measure.py` (`make bench`), newest run first. Each run
serves Tribune with gunicorn (2 sync workers) on a freshly seeded SQLite database and
measures with wrk (`-t2 -c8 --latency`), on the same machine, a bare WSGI "hello"
answered by the same workers in front of Flask, the page of a question with 50 answers
(about 600 characters of Markdown each) logged out and logged in, and its category page.
Figures are the median of the rounds; "% of hello" compares a page's rate with the
hello rate, which makes runs on different machines roughly comparable (other work on
the machine lowers the hello rate most: see each run's "Machine load"). Targets: the
topic page logged out at 15% or more of hello, logged in at 10% or more, its HTML
under 60 KB.
"""


class BenchError(RuntimeError):
    """The benchmark cannot give a trustworthy figure."""


@dataclass
class Target:
    """One URL measured with wrk."""

    name: str
    path: str
    cookie: str | None = None
    html_bytes: int = 0
    rates: list[float] = field(default_factory=list)
    p50s: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)

    @property
    def p50(self) -> float:
        return statistics.median(self.p50s)

    @property
    def p99(self) -> float:
        return statistics.median(self.p99s)


@dataclass
class Fixture:
    """What the benchmark question is and where it lives."""

    topic_path: str
    category_path: str
    reader: str
    password: str


# -- the database ---------------------------------------------------------------------


def bench_environment(instance: Path) -> dict[str, str]:
    """TRIBUNE_* settings for every process of the run: one database, no rate limits."""
    return {
        "TRIBUNE_CONFIG": "development",
        "TRIBUNE_SECRET_KEY": "bench-secret-key-not-for-production",
        "TRIBUNE_INSTANCE_PATH": str(instance),
        "TRIBUNE_DATABASE_URL": f"sqlite:///{instance / 'bench.db'}",
        "TRIBUNE_SCHEDULER_IN_PROCESS": "false",
        "TRIBUNE_RATELIMIT_ENABLED": "false",
    }


def run_cli(*args: str) -> None:
    """Run a `tribune` command in the benchmark environment; raise if it fails."""
    command = [str(BIN / "tribune"), *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"{shlex.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    print(done.stdout.strip())


OPENINGS = (
    "J'ai eu exactement le même souci avec ma {model} l'hiver dernier.",
    "Same problem here with my {model} after the last firmware update.",
    "Avant tout, vérifiez que le réservoir de la {model} est bien enclenché.",
    "I would start with a full descaling cycle, the {model} is picky about it.",
    "Chez moi la {model} faisait pareil, et ce n'était pas la pompe.",
    "Had the exact same error code on a {model} bought in {year}.",
)
STEPS = (
    "videz le bac à marc et rincez-le à l'eau tiède",
    "lancez un cycle de détartrage avec `2 sachets` de détartrant",
    "remove the brewing unit and rinse it under the tap",
    "vérifiez le joint du porte-filtre, il doit rester souple",
    "set the grinder one notch finer and pull two test shots",
    "purgez la buse vapeur pendant **10 secondes**",
    "check that the drip tray sensor is clean and dry",
    "remettez l'horloge à zéro via le menu `Réglages > Usine`",
)
SENTENCES = (
    "Si le voyant clignote encore, notez le **code d'erreur** exact.",
    "La [notice en ligne](https://example.com/notice) explique chaque code *E0x*.",
    "The support team answered me within a week and sent a new gasket for free.",
    "Attention à ne pas serrer la vis du bas trop fort, le plastique est fragile.",
    "After that the leak stopped and the coffee tastes *much* better.",
    "Perso j'utilise de l'eau filtrée depuis, plus aucun souci en {year}.",
    "If you use `hard water`, descale every month rather than every three.",
    "Dites-nous si ça a marché, ça aidera les suivants !",
    "Mine is still under warranty, so I just sent it back to the shop.",
    "Le bruit venait en fait du broyeur, un grain de café coincé.",
)


def answer_body(rng: random.Random, number: int) -> str:
    """About ANSWER_LENGTH characters of everyday Markdown: emphasis, a list, code, a link."""
    words = {"model": rng.choice(("Caféo Duo", "Caféo Mini", "Caféo Lattea")), "year": 2020}
    words["year"] = rng.randint(2019, 2025)
    text = rng.choice(OPENINGS).format(**words) + f" Voici ce qui a marché (réponse {number}) :\n\n"
    text += "".join(f"1. {step[0].upper()}{step[1:]} ;\n" for step in rng.sample(STEPS, 3))
    text += "\n"
    for sentence in rng.sample(SENTENCES, len(SENTENCES)):
        if len(text) + len(sentence) > ANSWER_LENGTH + 30:
            break
        text += sentence.format(**words) + " "
    return text.strip()


def create_question() -> Fixture:
    """Create the reader account and the question with ANSWERS answers; commit once."""
    from sqlalchemy import select

    from app import create_app
    from app.accounts import services as accounts
    from app.accounts.models import User
    from app.core.events import commit
    from app.core.templating import slugify
    from app.extensions import db
    from app.forum import services, solutions, voting
    from app.forum.models import Category

    app = create_app()
    rng = random.Random(2026)
    with app.test_request_context():
        category = db.session.scalars(
            select(Category)
            .where(Category.required_capability.is_(None))
            .order_by(Category.position, Category.name)
        ).first()
        members = list(
            db.session.scalars(
                select(User)
                .where(User.role == "member", User.active.is_(True))
                .order_by(User.id)
                .limit(ANSWERS + 20)
            )
        )
        if category is None or len(members) < ANSWERS + 20:
            raise BenchError("the seeded database has too few members or no public category")
        reader = accounts.create_user(
            READER, "bench-reader@example.com", READER_PASSWORD, locale="fr"
        )
        asker, answerers, voters = members[0], members[1 : ANSWERS + 1], members[ANSWERS + 1 :]
        topic = services.create_topic(
            asker,
            category,
            title="Ma machine affiche E04 et coule par en dessous : que faire ?",
            body=answer_body(rng, 0),
            kind="question",
            tags="detartrage, fuite",
        )
        answers = [
            services.reply(author, topic, body=answer_body(rng, i + 1))
            for i, author in enumerate(answerers)
        ]
        for post in answers:
            for voter in rng.sample([*voters, reader], rng.randint(0, 6)):
                voting.vote(voter, post)
        solutions.accept_answer(asker, topic, answers[7])
        commit()
        fixture = Fixture(
            topic_path=f"/t/{topic.id}/{slugify(topic.title)}",
            category_path=f"/c/{category.slug}",
            reader=READER,
            password=READER_PASSWORD,
        )
    with app.app_context():
        db.engine.dispose()
    return fixture


def prepare_database(workdir: Path, users: int) -> Fixture:
    """Point this process (and its children) at a new database in ``workdir`` and fill it."""
    os.environ.update(bench_environment(workdir))
    run_cli("db", "upgrade")
    run_cli("seed-demo", "--users", str(users))
    fixture = create_question()
    print(f"Benchmark question: {fixture.topic_path} in {fixture.category_path}")
    return fixture


# -- HTTP -----------------------------------------------------------------------------


def fetch(
    port: int,
    path: str,
    cookie: str | None = None,
    method: str = "GET",
    form: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], list[str], bytes]:
    """One request: status, headers (lower-cased), Set-Cookie values, body."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        cookies = response.headers.get_all("Set-Cookie") or []
        return response.status, {k.lower(): v for k, v in response.getheaders()}, cookies, data
    finally:
        connection.close()


def session_cookie(set_cookies: list[str]) -> str | None:
    for value in set_cookies:
        name, _, rest = value.partition("=")
        if name.strip() == "session":
            return "session=" + rest.split(";", 1)[0]
    return None


def log_in(port: int, fixture: Fixture) -> str:
    """Log in through the real form; return the Cookie header value to send."""
    status, _headers, cookies, body = fetch(port, "/login")
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        rb'name="csrf_token"[^>]*value="([^"]+)"', body
    )
    cookie = session_cookie(cookies)
    if status != 200 or match is None or cookie is None:
        raise BenchError(f"GET /login gave {status}, no csrf token or no session cookie")
    form = {
        "csrf_token": match.group(1).decode(),
        "login": fixture.reader,
        "password": fixture.password,
        "next": "",
    }
    status, _headers, cookies, _body = fetch(port, "/login", cookie, "POST", form)
    cookie = session_cookie(cookies)
    if status != 302 or cookie is None:
        raise BenchError(f"POST /login gave {status} (expected 302 and a session cookie)")
    return cookie


def page_bytes(port: int, target: Target, must_contain: str | None = None) -> bytes:
    """The page's HTML, checked: 200, and a marker (the username when logged in)."""
    status, _headers, _cookies, body = fetch(port, target.path, target.cookie)
    if status != 200:
        raise BenchError(f"{target.name}: GET {target.path} gave {status}")
    if must_contain is not None and must_contain.encode() not in body:
        raise BenchError(f"{target.name}: the page does not show {must_contain!r}")
    return body


# -- gunicorn and wrk -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_gunicorn(port: int, log: Path) -> subprocess.Popen[bytes]:
    """Launch gunicorn in its own process group; see wait_until_ready() and stop()."""
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--bind",
        f"{HOST}:{port}",
        "--chdir",
        str(ROOT),
        "--error-logfile",
        str(log),
        "bench.wsgi:application",
    ]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Return once the hello answers; raise if gunicorn dies or takes over 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            if fetch(port, "/__hello")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within 30 s:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate gunicorn (the master stops its workers first); kill its group if it hangs."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        # Our own process group (start_new_session): the master and its workers.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if match is None:
        raise BenchError(f"cannot read the latency {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> tuple[float, float, float]:
    """Requests/sec, p50 and p99 in ms from wrk's --latency output; raise on any error."""
    if "Non-2xx or 3xx responses" in output:
        raise BenchError(f"wrk saw error responses:\n{output}")
    errors = re.search(r"Socket errors: (.*)", output)
    if errors:
        raise BenchError(f"wrk saw socket errors ({errors.group(1)}):\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (rate and p50 and p99):
        raise BenchError(f"cannot read wrk's output:\n{output}")
    return float(rate.group(1)), _ms(p50.group(1)), _ms(p99.group(1))


def wrk_command(port: int, target: Target, duration: int) -> list[str]:
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{WRK_CONNECTIONS}",
        f"-d{duration}s",
        "--latency",
    ]
    if target.cookie:
        command += ["-H", f"Cookie: {target.cookie}"]
    return [*command, f"http://{HOST}:{port}{target.path}"]


def run_wrk(port: int, target: Target, duration: int) -> None:
    done = subprocess.run(
        wrk_command(port, target, duration),
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    rate, p50, p99 = parse_wrk(done.stdout)
    target.rates.append(rate)
    target.p50s.append(p50)
    target.p99s.append(p99)
    print(f"  {target.name:<26} {rate:>9.1f} req/s  p50 {p50:>7.2f} ms  p99 {p99:>7.2f} ms")


# -- the report -----------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    memory = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), {memory} RAM, {platform.system()} {platform.release()}"


def load_average() -> float:
    """The 1-minute load average: other work on the machine skews every figure."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def cpu_busy(seconds: float = 2.0) -> float:
    """Share of all CPUs busy over ``seconds`` (nan where /proc/stat is missing)."""
    try:
        busy0, total0 = _cpu_times()
        time.sleep(seconds)
        busy1, total1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return float("nan")
    return (busy1 - busy0) / max(total1 - total0, 1)


def wait_for_quiet(max_wait: float, threshold: float = 0.15) -> float:
    """Wait (at most ``max_wait`` s) until the CPUs are mostly idle; return the last share."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy()
    while not busy <= threshold and time.monotonic() < deadline:
        busy = cpu_busy()
    return busy


def tool_versions() -> str:
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    wrk_line = (wrk.stdout or wrk.stderr).strip().splitlines()[0].split(" Copyright")[0]
    gunicorn = subprocess.run(
        [str(BIN / "gunicorn"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"{gunicorn}; {wrk_line}"


def checks(targets: dict[str, Target]) -> list[tuple[str, str, bool]]:
    """(goal, measured, met) for the goals of the topic page."""
    hello = targets["hello"].rate
    out, logged_in = targets["topic_out"], targets["topic_in"]
    return [
        (
            "topic logged out >= 15% of hello",
            f"{out.rate / hello:.1%}",
            out.rate / hello >= TARGET_LOGGED_OUT,
        ),
        (
            "topic logged in >= 10% of hello",
            f"{logged_in.rate / hello:.1%}",
            logged_in.rate / hello >= TARGET_LOGGED_IN,
        ),
        (
            "topic HTML logged out < 60 KB (60,000 bytes)",
            f"{out.html_bytes:,} B",
            out.html_bytes < TARGET_HTML_BYTES,
        ),
        (
            "topic HTML logged in < 60 KB (60,000 bytes)",
            f"{logged_in.html_bytes:,} B",
            logged_in.html_bytes < TARGET_HTML_BYTES,
        ),
    ]


def table(targets: dict[str, Target]) -> str:
    hello = targets["hello"].rate
    lines = [
        "| target | req/s (median) | p50 | p99 | HTML bytes | % of hello |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for target in targets.values():
        html = f"{target.html_bytes:,}" if target.html_bytes else "-"
        lines.append(
            f"| {target.name} (`{target.path}`) | {target.rate:,.1f} | {target.p50:.2f} ms | "
            f"{target.p99:.2f} ms | {html} | {target.rate / hello:.1%} |"
        )
    return "\n".join(lines)


def section(
    targets: dict[str, Target],
    args: argparse.Namespace,
    command: str,
    loads: list[float],
    quiet: list[float],
) -> str:
    """The Markdown section of one run: context, table, goals, every round."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    goals = "\n".join(
        f"| {name} | {value} | {'met' if met else '**missed**'} |"
        for name, value, met in checks(targets)
    )
    rounds = "\n".join(
        f"- {t.name}: " + ", ".join(f"{r:,.1f}" for r in t.rates) + " req/s"
        for t in targets.values()
    )
    return f"""## {when}

- Machine: {machine()}
- Python {platform.python_version()}; {tool_versions()}
- Database: SQLite (WAL), `tribune seed-demo --users {args.users}` plus the benchmark question
  ({ANSWERS} answers of about {ANSWER_LENGTH} characters of Markdown, votes, a solution)
- Server: gunicorn, {WORKERS} sync workers, `bench.wsgi:application`, development config,
  rate limits off; wrk `-t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{args.duration}s --latency`,
  wrk and gunicorn on the same machine
- Machine load: CPUs {", ".join(f"{b:.0%}" for b in quiet)} busy just before each round
  (the script waits up to {args.quiet_wait:.0f} s for under 15%); 1-minute load average
  {loads[0]:.2f} before and {loads[-1]:.2f} after measuring (wrk and the two workers alone
  make about 2)
- Command: `{command}`
- Median of {args.rounds} rounds

{table(targets)}

| goal | measured | |
|---|---|---|
{goals}

Every round (req/s):
{rounds}
"""


def write_results(path: Path, new_section: str) -> None:
    """Put the new section first, under the header; keep the earlier sections."""
    earlier = ""
    if path.exists():
        text = path.read_text()
        start = text.find("\n## ")
        earlier = text[start + 1 :] if start >= 0 else ""
    path.write_text(RESULTS_HEADER + "\n" + new_section + ("\n" + earlier if earlier else ""))


# -- the run --------------------------------------------------------------------------


def measure(
    args: argparse.Namespace,
    fixture: Fixture,
    workdir: Path,
    loads: list[float],
    quiet: list[float],
) -> dict[str, Target]:
    """Serve, log in, check the pages, then run every round.

    ``loads`` gets the load average before and after; ``quiet`` how busy the CPUs were
    just before each round (other work on the machine skews every figure).
    """
    port = free_port()
    log = workdir / "gunicorn.log"
    server = start_gunicorn(port, log)
    try:
        wait_until_ready(server, port, log)
        cookie = log_in(port, fixture)
        targets = {
            "hello": Target("hello (WSGI, no Flask)", "/__hello"),
            "topic_out": Target("topic, logged out", fixture.topic_path),
            "topic_in": Target("topic, logged in", fixture.topic_path, cookie),
            "category": Target("category, logged out", fixture.category_path),
        }
        markers = {"topic_in": fixture.reader}
        for key, target in targets.items():
            if key == "hello":
                continue
            for _ in range(20):  # warm both workers: imports, templates, caches
                body = page_bytes(port, target, markers.get(key))
            target.html_bytes = len(body)
        if fixture.reader.encode() in page_bytes(port, targets["topic_out"]):
            raise BenchError("the logged-out topic page shows the reader's name")
        loads.append(load_average())
        for number in range(1, args.rounds + 1):
            idle_wait = time.monotonic()
            busy = wait_for_quiet(args.quiet_wait)
            quiet.append(busy)
            print(
                f"Round {number}/{args.rounds}: CPUs {busy:.0%} busy before it "
                f"(waited {time.monotonic() - idle_wait:.0f} s)"
            )
            for target in targets.values():
                run_wrk(port, target, args.duration)
            # The logged-in figures only count if the session survived the round.
            page_bytes(port, targets["topic_in"], fixture.reader)
        loads.append(load_average())
    finally:
        stop(server)
    return targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds (median is kept)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--users", type=int, default=300, help="members for seed-demo")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="seconds to wait, before each round, for other work on the machine to stop",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration < 1 or args.users < 100:
        parser.error("--rounds and --duration must be >= 1, --users >= 100")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    command = shlex.join(
        [".venv/bin/python", "bench/serve_and_measure.py", *(argv or sys.argv[1:])]
    )

    workdir = Path(tempfile.mkdtemp(prefix="tribune-bench-"))
    try:
        fixture = prepare_database(workdir, args.users)
        loads: list[float] = []
        quiet: list[float] = []
        targets = measure(args, fixture, workdir, loads, quiet)
    except BenchError as error:
        print(f"Benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(table(targets))
    print()
    for name, value, met in checks(targets):
        print(f"{'met   ' if met else 'MISSED'}  {name}: {value}")
    write_results(args.out, section(targets, args, command, loads, quiet))
    print(f"\nWritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
