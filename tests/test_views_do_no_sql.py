"""Views parse the request, call a service or a read model, and render: no SQL of their own.

Every module of app/ whose name ends in ``views`` (views.py, topic_views.py,
member_views.py...) is read with ``ast``: a call of ``<anything>.session.execute``
(``scalar``, ``scalars``, ``query``, ``get``, ``connection``) or of ``select(...)`` is a
query written in the view, which belongs in the package's read models (queries.py) or
its domain. A failure names the file, the line and the call.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"

SESSION_CALLS = frozenset({"execute", "scalar", "scalars", "query", "get", "connection"})
STATEMENT_BUILDERS = frozenset({"select"})

# Views that still run queries, each with why (none today). A line added here must say
# why; the test fails on an exception that has nothing left to excuse.
EXCEPTIONS: dict[str, str] = {}


def view_modules() -> list[Path]:
    return sorted(path for path in APP.rglob("*.py") if path.stem.endswith("views"))


def queries_in(path: Path) -> list[str]:
    """The SQL calls written in one module: "path:line: call"."""
    source = path.read_text()
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute):
            owner = function.value
            # db.session.x(...): a bare ``session`` is Flask's cookie session.
            on_session = isinstance(owner, ast.Attribute) and owner.attr == "session"
            sql = (on_session and function.attr in SESSION_CALLS) or (
                function.attr in STATEMENT_BUILDERS
            )
        else:
            sql = isinstance(function, ast.Name) and function.id in STATEMENT_BUILDERS
        if sql:
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            call = ast.get_source_segment(source, node) or ""
            found.append(f"{shown}:{node.lineno}: {' '.join(call.split())[:100]}")
    return found


def test_the_rule_covers_the_forums_pages():
    names = {path.relative_to(APP).as_posix() for path in view_modules()}
    assert {"forum/pages/views.py", "forum/pages/topic_views.py"} <= names


def test_views_run_no_queries_of_their_own():
    problems = []
    for path in view_modules():
        if path.relative_to(ROOT).as_posix() not in EXCEPTIONS:
            problems.extend(queries_in(path))
    assert not problems, (
        "views that write SQL (move each query into the package's read models, queries.py,"
        " or its domain, and call that):\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("excused", sorted(EXCEPTIONS))
def test_every_exception_still_has_a_query_to_excuse(excused):
    assert queries_in(ROOT / excused), f"{excused} runs no query any more: drop its exception"


@pytest.mark.parametrize(
    "plant",
    [
        "def v():\n    return db.session.execute(q)\n",
        "def v():\n    return db.session.scalar(q)\n",
        "def v(i):\n    return db.session.get(Post, i)\n",
        "def v():\n    return list(current_app.db.session.scalars(q))\n",
        "import sqlalchemy as sa\nQUERY = sa.select(Post.id)\n",
        "def v():\n    return select(Post).where(Post.id == 1)\n",
    ],
)
def test_a_planted_query_is_reported(tmp_path, plant):
    planted = tmp_path / "planted_views.py"
    planted.write_text(plant)
    assert len(queries_in(planted)) == 1, queries_in(planted)


def test_a_view_calling_read_models_is_not_reported(tmp_path):
    planted = tmp_path / "planted_views.py"
    planted.write_text(
        "def v(i):\n    found = queries.post_by_id(i)\n    db.session.rollback()\n"
        "    return request.args.get('q') or session.get('next')\n"
    )
    assert queries_in(planted) == []
