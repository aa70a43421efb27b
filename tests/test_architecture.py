"""The order of the house (docs/architecture.md), checked rather than written down.

Every module's imports are read with ``ast`` (at the top, inside functions, under
``TYPE_CHECKING``, relative or absolute) and every endpoint a template or a module names
in ``url_for``; a package may use only the packages below it, and no two modules may
import each other, even through others. A failure names the file, the line and what it
imports or names.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
TEMPLATES = APP / "templates"

# Lowest first. Packages on one level are siblings: they do not import each other either
# (they talk through core, as a lower package talks to a higher one). Packages that are
# not written yet have their level already, so the first one lands in the right place.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"core"}),
    frozenset({"accounts"}),
    frozenset({"forum", "notification_mail"}),
    frozenset({"badges"}),
    frozenset({"moderation"}),
    frozenset({"ambassadors"}),
    frozenset({"invitations", "insights", "referrals", "rewards"}),
    frozenset({"interchange", "demo"}),
)
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}
BOTTOM, TOP = -1, len(LAYERS)
# app/extensions.py (the unbound extension objects) is below core; the factory
# (app/__init__.py) and the `tribune` command (app/cli.py) are above every package.
TOP_MODULES = {"app.extensions": BOTTOM, "app": TOP, "app.cli": TOP + 1}
# What templates/<folder>/ belongs to when the folder is not a package's name.
TEMPLATE_OWNERS = {"_macros": "core", "errors": "core"}
# Functions whose first argument is an endpoint (Flask's, and app.core.urls's).
ENDPOINT_FUNCTIONS = {"url_for", "path_for", "external_url", "place_url"}
URL_FOR = re.compile(r"""url_for\(\s*(['"])([\w.]+)\1""")


@dataclass(frozen=True)
class Module:
    name: str  # app.forum.services
    path: Path
    is_package: bool  # an __init__.py

    @property
    def package(self) -> str:
        """The feature package (forum), or the module itself at the top of app/."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 and (APP / parts[1]).is_dir() else self.name


@dataclass(frozen=True)
class Use:
    """One import (or named endpoint) of a module: where, and what it names."""

    module: Module
    line: int
    target: str  # a module name, or an endpoint
    text: str  # the statement as written

    def where(self) -> str:
        return f"{_shown(self.module.path)}:{self.line}"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def modules() -> dict[str, Module]:
    found = {}
    for path in sorted(APP.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = Module(".".join(parts), path, is_package)
    return found


def level(name: str) -> int | None:
    """The level of a module name (app.forum.views) or a package (forum); None: unknown."""
    if name in TOP_MODULES:
        return TOP_MODULES[name]
    parts = name.split(".")
    package = parts[1] if parts[0] == "app" and len(parts) > 1 else parts[0]
    return LEVEL.get(package)


@cache
def parsed(path: Path) -> tuple[ast.Module, tuple[str, ...]]:
    source = path.read_text()
    return ast.parse(source, filename=str(path)), tuple(source.splitlines())


def statement(path: Path, node: ast.stmt | ast.expr) -> str:
    """The source of ``node``, on one line."""
    lines = parsed(path)[1][node.lineno - 1 : node.end_lineno]
    return " ".join(" ".join(lines).split())


def imports(module: Module, known: dict[str, Module]) -> Iterator[Use]:
    """The app modules ``module`` imports, wherever the import statement stands."""
    tree = parsed(module.path)[0]
    here = module.name if module.is_package else module.name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x, from ..forum import y
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            # `from app.forum import services` imports the module app.forum.services.
            names = [
                f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in known else origin
                for alias in node.names
            ]
        else:
            continue
        for name in dict.fromkeys(names):
            while name and name not in known:  # app.forum.models.Post -> app.forum.models
                name = name.rpartition(".")[0]
            if name and name != module.name:
                yield Use(module, node.lineno, name, statement(module.path, node))


def named_endpoints(module: Module) -> Iterator[Use]:
    """Endpoints a module names as a literal: url_for("forum.topic", ...)."""
    for node in ast.walk(parsed(module.path)[0]):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        first = node.args[0]
        literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
        if name in ENDPOINT_FUNCTIONS and literal and "." in first.value:
            yield Use(module, node.lineno, first.value, statement(module.path, node))


def template_owner(path: Path) -> str:
    """templates/<package>/ belongs to that package; base.html and _macros/ to core."""
    relative = path.relative_to(TEMPLATES)
    if len(relative.parts) == 1:
        return "core"
    folder = relative.parts[0]
    return TEMPLATE_OWNERS.get(folder, folder)


def endpoint_packages(app) -> dict[str, str]:
    """Endpoint -> the package whose module defines its view function."""
    owners = {}
    for endpoint, view in app.view_functions.items():
        module = getattr(view, "__module__", "") or ""
        parts = module.split(".")
        owners[endpoint] = parts[1] if parts[0] == "app" and len(parts) > 2 else "core"
    return owners


def _below(user: int, used: int | None) -> bool:
    return used is not None and used < user


def import_violations(known: dict[str, Module]) -> list[str]:
    problems = []
    for module in known.values():
        user = level(module.name)
        for use in imports(module, known):
            used_module = known[use.target]
            if used_module.package == module.package:
                continue  # a package's own modules (cycles are checked separately)
            if user is None or not _below(user, level(use.target)):
                problems.append(
                    f"{use.where()}: {module.package} may not import {used_module.package}"
                    f" ({use.text})"
                )
    return problems


def cycles(known: dict[str, Module]) -> list[list[Use]]:
    """Import circles between modules (Tarjan's strongly connected components)."""
    graph: dict[str, dict[str, Use]] = {name: {} for name in known}
    for module in known.values():
        for use in imports(module, known):
            graph[module.name].setdefault(use.target, use)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[Use]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for target in graph[name]:
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                members = set(component)
                circles.append(
                    [use for m in sorted(members) for t, use in graph[m].items() if t in members]
                )

    for name in graph:
        if name not in index:
            visit(name)
    return circles


def test_every_package_has_its_place_in_the_order():
    packages = {path.name for path in APP.iterdir() if (path / "__init__.py").is_file()}
    unknown = sorted(packages - set(LEVEL))
    assert not unknown, (
        f"app/{unknown[0]}/ is not in the order: add it to LAYERS here and to"
        " docs/architecture.md, at the level of what it may use"
    )


def test_the_architecture_document_states_this_order():
    document = (ROOT / "docs" / "architecture.md").read_text()
    order = " < ".join(sorted(LAYERS[i])[0] for i in range(6))
    assert order in document
    assert "interchange" in document and "demo" in document


def test_imports_point_down():
    problems = import_violations(modules())
    assert not problems, "imports against the order of the house:\n" + "\n".join(problems)


def test_no_module_imports_itself_through_others():
    found = cycles(modules())
    described = ["\n".join(_circle_line(use) for use in circle) for circle in found]
    assert not found, "import circles:\n" + "\n\n".join(described)


def _circle_line(use: Use) -> str:
    return f"{use.where()}: {use.module.name} imports {use.target} ({use.text})"


def test_templates_and_modules_name_only_endpoints_of_their_own_or_lower_packages(app):
    owners = endpoint_packages(app)
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        owner, source = template_owner(path), path.read_text()
        for match in URL_FOR.finditer(source):
            endpoint = match.group(2)
            where = f"{_shown(path)}:{source.count(chr(10), 0, match.start()) + 1}"
            if endpoint not in owners:
                problems.append(f"{where}: {endpoint!r} is not an endpoint")
            elif owners[endpoint] != owner and not _below(level(owner), level(owners[endpoint])):
                problems.append(
                    f"{where}: a {owner} template names {owners[endpoint]}'s"
                    f" {endpoint!r} ({match.group(0)}...)"
                )
    for module in modules().values():
        for use in named_endpoints(module):
            owner = owners.get(use.target)
            if owner is None:
                problems.append(f"{use.where()}: {use.target!r} is not an endpoint")
            elif owner != module.package and not _below(level(module.name), level(owner)):
                problems.append(
                    f"{use.where()}: {module.package} names {owner}'s {use.target!r} ({use.text})"
                )
    assert not problems, "endpoints against the order of the house:\n" + "\n".join(problems)


# The forum is split into its domain (app/forum/) and its pages (app/forum/pages/): the
# pages use the domain, never the other way round, and only the factory registers them.
PAGES = "app.forum.pages"
PAGES_USERS = {"app"}  # the factory (app/__init__.py)


def _in_pages(name: str) -> bool:
    return name == PAGES or name.startswith(PAGES + ".")


def pages_violations(known: dict[str, Module]) -> list[str]:
    """Imports of the forum's pages from outside them (but the factory's)."""
    problems = []
    for module in known.values():
        if _in_pages(module.name) or module.name in PAGES_USERS:
            continue
        for use in imports(module, known):
            if not _in_pages(use.target):
                continue
            who = (
                "the forum's domain"
                if module.package == "forum"
                else f"{module.package} (another package)"
            )
            problems.append(
                f"{use.where()}: {who} imports the forum's pages ({use.text}); the pages"
                " use the domain, not the other way round: move what it needs into a"
                " domain module of app/forum/ (a read the pages and it share), or have it"
                " take it as an argument"
            )
    return problems


def test_only_the_factory_imports_the_forums_pages():
    problems = pages_violations(modules())
    assert not problems, "imports of app.forum.pages:\n" + "\n".join(problems)


def _planted(tmp_path: Path, name: str, source: str) -> Module:
    path = tmp_path / f"{name.rpartition('.')[2]}.py"
    path.write_text(source)
    return Module(name, path, is_package=False)


@pytest.mark.parametrize(
    ("plant", "expected"),
    [
        ("from app.badges.models import Badge\n", "forum may not import badges"),
        ("def later():\n    from ..moderation import services\n", "forum may not import moder"),
        ("import app.ambassadors.scoring as scoring\n", "forum may not import ambassadors"),
        ("if TYPE_CHECKING:\n    from app.interchange import bulk\n", "forum may not import inter"),
    ],
)
def test_a_planted_upward_import_is_reported(tmp_path, plant, expected):
    """The checker itself: an upward import in the forum, however it is written."""
    known = modules()
    planted = _planted(tmp_path, "app.forum.planted", plant)
    known[planted.name] = planted
    planted_problems = [p for p in import_violations(known) if p.startswith(f"{planted.path}:")]
    assert len(planted_problems) == 1 and expected in planted_problems[0], planted_problems


def test_a_planted_import_circle_is_reported(tmp_path):
    known = modules()
    for name, other in (("one", "two"), ("two", "one")):
        planted = _planted(tmp_path, f"app.forum.{name}", f"from app.forum import {other}\n")
        known[planted.name] = planted
    circles = [sorted(use.module.name for use in circle) for circle in cycles(known)]
    assert ["app.forum.one", "app.forum.two"] in circles


@pytest.mark.parametrize(
    ("name", "plant", "expected"),
    [
        ("app.forum.planted", "from app.forum.pages import queries\n", "the forum's domain"),
        ("app.forum.planted", "def f():\n    from .pages.views import x\n", "forum's domain"),
        ("app.badges.planted", "import app.forum.pages.topic_page\n", "badges (another"),
    ],
)
def test_a_planted_import_of_the_forums_pages_is_reported(tmp_path, name, plant, expected):
    known = modules()
    planted = _planted(tmp_path, name, plant)
    known[planted.name] = planted
    found = [p for p in pages_violations(known) if p.startswith(f"{planted.path}:")]
    assert len(found) == 1 and expected in found[0], found


def test_the_forums_pages_may_use_its_domain(tmp_path):
    known = modules()
    planted = _planted(tmp_path, "app.forum.pages.planted", "from app.forum import services\n")
    known[planted.name] = planted
    assert not [p for p in pages_violations(known) if p.startswith(f"{planted.path}:")]
