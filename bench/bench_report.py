"""The machine, its load, and the Markdown that serve_and_measure.py adds to RESULTS.md."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

TARGET_TOPIC_LOGGED_OUT = 0.15
TARGET_TOPIC_LOGGED_IN = 0.10
TARGET_LISTS = 0.15  # home and category pages, logged out and in
TARGET_HTML_BYTES = 60_000

RESULTS_HEADER = """# Benchmark results

Written by `bench/serve_and_measure.py` (`make bench`), newest run first. Each run
serves Tribune with gunicorn (2 sync workers) on a freshly seeded SQLite database and
measures with wrk (`-t2 -c8 --latency`), on the same machine, a bare WSGI "hello"
answered by the same workers in front of Flask, the page of a question with 50 answers
(about 600 characters of Markdown each) logged out and logged in, its category page and
the home page, logged out and in. With `--baseline REV` the same run serves that
revision too, from the same database, and measures both in alternating order.
Figures are the median of the rounds; "% of hello" compares a page's rate with the
hello rate, which makes runs on different machines roughly comparable (other work on
the machine lowers the hello rate most: see each run's "Machine load"). Targets: the
topic page logged out at 15% or more of hello, logged in at 10% or more, its HTML
under 60 KB; the home and category pages at 15% or more, logged out and in.
"""


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


def worker_memory(master_pid: int) -> str:
    """The resident memory of a gunicorn master's workers, from /proc ("?" elsewhere)."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        sizes = []
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    except (OSError, ValueError):
        return "?"
    return ", ".join(f"{size:.0f} MB" for size in sizes) or "?"


def tool_versions(gunicorn: Path) -> str:
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    wrk_line = (wrk.stdout or wrk.stderr).strip().splitlines()[0].split(" Copyright")[0]
    version = subprocess.run(
        [str(gunicorn), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"{version}; {wrk_line}"


def checks(targets: dict[str, Target]) -> list[tuple[str, str, bool]]:
    """(goal, measured, met) for the pages' goals."""
    hello = targets["hello"].rate
    goals = [
        ("topic_out", "topic logged out", TARGET_TOPIC_LOGGED_OUT),
        ("topic_in", "topic logged in", TARGET_TOPIC_LOGGED_IN),
        ("home_out", "home logged out", TARGET_LISTS),
        ("home_in", "home logged in", TARGET_LISTS),
        ("category_out", "category logged out", TARGET_LISTS),
        ("category_in", "category logged in", TARGET_LISTS),
    ]
    found = [
        (f"{label} >= {share:.0%} of hello", f"{targets[key].rate / hello:.1%}",
         targets[key].rate / hello >= share)
        for key, label, share in goals
        if key in targets
    ]  # fmt: skip
    for key, label in (("topic_out", "logged out"), ("topic_in", "logged in")):
        size = targets[key].html_bytes
        found.append((f"topic HTML {label} < 60 KB (60,000 bytes)", f"{size:,} B",
                      size < TARGET_HTML_BYTES))  # fmt: skip
    return found


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


def comparison(before: dict[str, Target], after: dict[str, Target], label: str) -> str:
    """Each page's share of its own server's hello rate, before and after."""
    lines = [
        f"| target | {label} req/s | this code req/s | {label} % of hello | this code % of hello |",
        "|---|---:|---:|---:|---:|",
    ]
    hello_before, hello_after = before["hello"].rate, after["hello"].rate
    for key, target in after.items():
        old = before[key]
        lines.append(
            f"| {target.name} | {old.rate:,.1f} | {target.rate:,.1f} | "
            f"{old.rate / hello_before:.1%} | {target.rate / hello_after:.1%} |"
        )
    return "\n".join(lines)


def rounds(targets: dict[str, Target]) -> str:
    return "\n".join(
        f"- {t.name}: " + ", ".join(f"{r:,.1f}" for r in t.rates) + " req/s"
        for t in targets.values()
    )


def write_results(path: Path, new_section: str) -> None:
    """Put the new section first, under the header; keep the earlier sections."""
    earlier = ""
    if path.exists():
        text = path.read_text()
        start = text.find("\n## ")
        earlier = text[start + 1 :] if start >= 0 else ""
    path.write_text(RESULTS_HEADER + "\n" + new_section + ("\n" + earlier if earlier else ""))


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
