"""Serve Tribune with gunicorn on a seeded database and measure it with wrk.

One run: a temporary instance folder and SQLite database, ``tribune db upgrade``,
``tribune seed-demo``, a benchmark question with 50 answers of about 600 characters
of Markdown, then gunicorn (2 sync workers, ``bench.wsgi:application``) and, for each
round, wrk against a bare WSGI "hello" served by the same workers, the question's page,
its category page and the home page, each logged out and logged in. The median of the
rounds goes into bench/RESULTS.md, newest section first.

With ``--baseline REV`` the run also serves that revision of the code (``git archive``
into the temporary folder, its catalogues compiled) from the same database, on its own
port, and measures both servers target by target, alternating which goes first: before
and after in one run, under the same load.

    .venv/bin/python bench/serve_and_measure.py [--rounds 3] [--duration 10] [--users 300]
        [--baseline main]
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
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import (  # bench/ is not a package: from its folder, on sys.path
    Target,
    checks,
    comparison,
    load_average,
    machine,
    now,
    rounds,
    table,
    tool_versions,
    wait_for_quiet,
    worker_memory,
    write_results,
)

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


class BenchError(RuntimeError):
    """The benchmark cannot give a trustworthy figure."""


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


def start_gunicorn(port: int, log: Path, root: Path = ROOT) -> subprocess.Popen[bytes]:
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
        str(root),
        "--error-logfile",
        str(log),
        "bench.wsgi:application",
    ]
    return subprocess.Popen(
        command,
        cwd=root,
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


# -- the run --------------------------------------------------------------------------


@dataclass
class Server:
    """One gunicorn serving one checkout of the code, and what was measured on it."""

    label: str
    root: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    targets: dict[str, Target] = field(default_factory=dict)
    memory: str = "?"


def export_baseline(revision: str, workdir: Path) -> Path:
    """``revision``'s code in ``workdir``/baseline, its catalogues compiled."""
    root = workdir / "baseline"
    root.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise BenchError(f"git archive {revision} failed: {archive.stderr.decode()}")
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)
    for catalog in (root / "app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        subprocess.run(
            [str(BIN / "pybabel"), "compile", "--use-fuzzy", "-i", str(catalog),
             "-o", str(catalog.with_suffix(".mo"))],
            capture_output=True, check=True,
        )  # fmt: skip
    return root


def _targets(fixture: Fixture, cookie: str) -> dict[str, Target]:
    return {
        "hello": Target("hello (WSGI, no Flask)", "/__hello"),
        "topic_out": Target("topic, logged out", fixture.topic_path),
        "topic_in": Target("topic, logged in", fixture.topic_path, cookie),
        "category_out": Target("category, logged out", fixture.category_path),
        "category_in": Target("category, logged in", fixture.category_path, cookie),
        "home_out": Target("home, logged out", "/"),
        "home_in": Target("home, logged in", "/", cookie),
    }


def _start(server: Server, fixture: Fixture, workdir: Path) -> None:
    """Serve, log in, check the pages and warm both workers."""
    server.port = free_port()
    log = workdir / f"gunicorn-{server.label}.log"
    server.process = start_gunicorn(server.port, log, server.root)
    wait_until_ready(server.process, server.port, log)
    server.targets = _targets(fixture, log_in(server.port, fixture))
    for key, target in server.targets.items():
        if key == "hello":
            continue
        marker = fixture.reader if key.endswith("_in") else None
        for _ in range(20):  # warm both workers: imports, templates, caches
            body = page_bytes(server.port, target, marker)
        target.html_bytes = len(body)
    if fixture.reader.encode() in page_bytes(server.port, server.targets["topic_out"]):
        raise BenchError(f"{server.label}: the logged-out topic page shows the reader's name")


def measure(
    args: argparse.Namespace,
    fixture: Fixture,
    workdir: Path,
    servers: list[Server],
    loads: list[float],
    quiet: list[float],
) -> None:
    """Serve each checkout, then run every round, target by target, server by server.

    ``loads`` gets the load average before and after; ``quiet`` how busy the CPUs were
    just before each round (other work on the machine skews every figure).
    """
    try:
        for server in servers:
            _start(server, fixture, workdir)
        loads.append(load_average())
        for number in range(1, args.rounds + 1):
            idle_wait = time.monotonic()
            busy = wait_for_quiet(args.quiet_wait)
            quiet.append(busy)
            print(
                f"Round {number}/{args.rounds}: CPUs {busy:.0%} busy before it "
                f"(waited {time.monotonic() - idle_wait:.0f} s)"
            )
            # Before and after alternate which goes first, round by round.
            order = servers if number % 2 else servers[::-1]
            for key in servers[0].targets:
                for server in order:
                    print(f"  [{server.label}]", end="")
                    run_wrk(server.port, server.targets[key], args.duration)
            for server in servers:
                # The logged-in figures only count if the session survived the round.
                page_bytes(server.port, server.targets["topic_in"], fixture.reader)
        loads.append(load_average())
        for server in servers:
            assert server.process is not None
            server.memory = worker_memory(server.process.pid)
    finally:
        for server in servers:
            if server.process is not None:
                stop(server.process)


def section(
    servers: list[Server],
    args: argparse.Namespace,
    command: str,
    loads: list[float],
    quiet: list[float],
) -> str:
    """The Markdown section of one run: context, tables, goals, every round."""
    current = servers[-1]
    goals = "\n".join(
        f"| {name} | {value} | {'met' if met else '**missed**'} |"
        for name, value, met in checks(current.targets)
    )
    code = (
        f"`{args.baseline}` (before) and this checkout (after)"
        if args.baseline
        else "this checkout"
    )
    text = f"""## {now()}

- Machine: {machine()}
- Python {platform.python_version()}; {tool_versions(BIN / "gunicorn")}
- Code: {code}
- Database: SQLite (WAL), `tribune seed-demo --users {args.users}` plus the benchmark question
  ({ANSWERS} answers of about {ANSWER_LENGTH} characters of Markdown, votes, a solution)
- Server: gunicorn, {WORKERS} sync workers, `bench.wsgi:application`, development config,
  rate limits off; wrk `-t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{args.duration}s --latency`,
  wrk and gunicorn on the same machine
- Machine load: CPUs {", ".join(f"{b:.0%}" for b in quiet)} busy just before each round
  (the script waits up to {args.quiet_wait:.0f} s for under 15%); 1-minute load average
  {loads[0]:.2f} before and {loads[-1]:.2f} after measuring (wrk and the two workers alone
  make about 2)
- Workers' resident memory after the run: {"; ".join(f"{s.label} {s.memory}" for s in servers)}
- Command: `{command}`
- Median of {args.rounds} rounds
"""
    if args.baseline:
        before = servers[0]
        text += f"""
{comparison(before.targets, current.targets, args.baseline)}

Before (`{args.baseline}`):

{table(before.targets)}

After (this checkout):
"""
    text += f"""
{table(current.targets)}

| goal | measured | |
|---|---|---|
{goals}

Every round (req/s):
"""
    for server in servers:
        label = f" ({server.label})" if args.baseline else ""
        text += "\n".join(f"{line}{label}" for line in rounds(server.targets).splitlines()) + "\n"
    return text


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
    parser.add_argument(
        "--baseline", help="a git revision to serve and measure too, from the same database"
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
    servers = [Server("after", ROOT)]
    try:
        if args.baseline:
            servers.insert(0, Server("before", export_baseline(args.baseline, workdir)))
        fixture = prepare_database(workdir, args.users)
        loads: list[float] = []
        quiet: list[float] = []
        measure(args, fixture, workdir, servers, loads, quiet)
    except BenchError as error:
        print(f"Benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    for server in servers:
        print(f"\n{server.label}:\n{table(server.targets)}")
    print()
    for name, value, met in checks(servers[-1].targets):
        print(f"{'met   ' if met else 'MISSED'}  {name}: {value}")
    write_results(args.out, section(servers, args, command, loads, quiet))
    print(f"\nWritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
