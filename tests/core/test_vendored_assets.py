"""Vendored browser libraries are served from the repo, with their licence and version."""

from __future__ import annotations

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
