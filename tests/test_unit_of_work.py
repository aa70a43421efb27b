"""Who commits: views, commands and the job runner, once each; services never.

A service that commits cuts its caller's unit of work in two (a change stored without
what it earns, an audit row, a notification). Long bulk runs commit their chunks
through ``events.commit_chunk()``, the one named exception.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"

# Core's own machinery: the unit of work itself, the job runner, its run history, its
# leases and its process (a run's record and its lease are committed apart from the
# job's work), mail delivery (a message is marked "sending" for good before SMTP speaks).
INFRASTRUCTURE = {
    "core/events.py",
    "core/scheduler.py",
    "core/job_runs.py",
    "core/leases.py",
    "core/scheduling.py",
    "core/outbox.py",
}
REQUEST_DECORATORS = {"get", "post", "put", "patch", "delete", "route", "before_app_request"}


def _is_entry_point_module(relative: str) -> bool:
    stem = Path(relative).stem
    return relative in INFRASTRUCTURE or stem.endswith(("views", "cli")) or stem == "api"


def _decorator_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = set()
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


def _commits(tree: ast.AST) -> list[tuple[int, list[ast.FunctionDef | ast.AsyncFunctionDef]]]:
    """Every call to ``commit()`` or ``<anything>.commit()``, with its enclosing functions."""
    found = []

    def visit(node: ast.AST, enclosing: list) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            enclosing = [*enclosing, node]
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name == "commit":
                found.append((node.lineno, enclosing))
        for child in ast.iter_child_nodes(node):
            visit(child, enclosing)

    visit(tree, [])
    return found


def test_only_views_commands_and_the_job_runner_commit():
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP).as_posix()
        if _is_entry_point_module(relative):
            continue
        for line, enclosing in _commits(ast.parse(path.read_text(), str(path))):
            in_a_view = any(_decorator_names(f) & REQUEST_DECORATORS for f in enclosing)
            if not in_a_view:
                offenders.append(f"app/{relative}:{line}")
    assert offenders == [], "services never commit; their caller does (or commit_chunk)"


def test_the_check_sees_a_service_that_commits(tmp_path):
    service = ast.parse(
        "def close(topic):\n    topic.locked = True\n    db.session.commit()\n\n"
        "@blueprint.post('/x')\ndef view():\n    close(1)\n    commit()\n"
    )
    lines = [
        line
        for line, enclosing in _commits(service)
        if not any(_decorator_names(f) & REQUEST_DECORATORS for f in enclosing)
    ]
    assert lines == [3]
