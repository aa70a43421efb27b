"""Vendored browser libraries are served from the repo, with their licence and version."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor"


def test_every_vendored_library_has_its_licence_and_a_readme_naming_its_npm_version():
    libraries = [path for path in VENDOR.iterdir() if path.is_dir()]
    assert libraries
    for library in libraries:
        names = {path.name for path in library.iterdir()}
        assert any(name.upper().startswith("LICENSE") for name in names), library
        readme = (library / "README.md").read_text(encoding="utf-8")
        assert re.search(r"npm pack \S+@\d+\.\d+\.\d+", readme), library


def _readme_version(library: str, package: str) -> str:
    """The version the library's README names in its ``npm pack package@X.Y.Z``."""
    readme = (VENDOR / library / "README.md").read_text(encoding="utf-8")
    return re.search(rf"{re.escape(package)}@(\d+\.\d+\.\d+)", readme).group(1)


def _assert_served(client, url: str, script: str) -> None:
    with client.get(url) as served:
        assert served.status_code == 200
        assert served.data.startswith(script[:100].encode())


def test_the_chart_macro_loads_the_version_its_readme_names(client):
    version = _readme_version("chart.js", "chart.js")
    script = (VENDOR / "chart.js" / "chart.umd.min.js").read_text(encoding="utf-8")
    assert f"Chart.js v{version}" in script[:200]
    macro = (ROOT / "app" / "templates" / "_macros" / "charts.html").read_text(encoding="utf-8")
    assert f"?v={version}" in macro

    _assert_served(client, "/static/vendor/chart.js/chart.umd.min.js", script)
    with client.get("/static/js/charts.js") as served:
        assert served.status_code == 200


def test_every_page_loads_the_htmx_version_its_readme_names(client):
    version = _readme_version("htmx", "htmx.org")
    script = (VENDOR / "htmx" / "htmx.min.js").read_text(encoding="utf-8")
    assert f'version:"{version}"' in script

    page = client.get("/").get_data(as_text=True)
    assert f"/static/vendor/htmx/htmx.min.js?v={version}" in page
    _assert_served(client, f"/static/vendor/htmx/htmx.min.js?v={version}", script)
    with client.get("/static/js/tribune.js") as served:
        assert served.status_code == 200


def test_the_accessibility_test_runs_the_axe_version_its_readme_names():
    folder = ROOT / "tests" / "e2e" / "vendor" / "axe-core"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    version = re.search(r"npm pack axe-core@(\d+\.\d+\.\d+)", readme).group(1)
    script = (folder / "axe.min.js").read_text(encoding="utf-8")
    assert script.startswith(f"/*! axe v{version}\n")
    assert (folder / "LICENSE").read_text(encoding="utf-8").startswith("Mozilla Public License")
    sha256 = re.search(r"sha256\s+`([0-9a-f]{64})`", readme).group(1)
    assert hashlib.sha256(script.encode()).hexdigest() == sha256, "axe.min.js is changed"
    test = (ROOT / "tests" / "e2e" / "test_accessibility.py").read_text(encoding="utf-8")
    assert '"vendor" / "axe-core" / "axe.min.js"' in test
