"""The dark theme (issue 17): the pages follow the system's colour scheme.

With a browser set to prefer dark, the body's background is dark and its text light;
with light, the reverse. The colours are computed by the browser from tribune.css.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import BrowserContext, Page

from app.core.events import commit
from app.extensions import db
from app.forum import services as forum_services
from app.forum.models import Category
from tests.e2e.conftest import CATEGORY_SLUG, LiveServer

pytestmark = pytest.mark.e2e

COLOURS = """() => {
  const style = (el) => getComputedStyle(el);
  return {background: style(document.body).backgroundColor, text: style(document.body).color,
          post: document.querySelector('.post') ? style(document.querySelector('.post')).color
                                                : null,
          scheme: style(document.documentElement).colorScheme};
}"""


def _luminance(css: str) -> float:
    """The relative luminance (WCAG) of an rgb()/rgba() colour."""
    match = re.match(r"rgba?\((\d+), (\d+), (\d+)", css)
    assert match, css
    channels = []
    for value in match.groups():
        c = int(value) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture(scope="module")
def topic_id(live_server: LiveServer) -> int:
    with live_server.services():
        category = db.session.scalars(db.select(Category).filter_by(slug=CATEGORY_SLUG)).one()
        author = live_server.create_user("dark_dana")
        topic = forum_services.create_topic(
            author, category, title="The screen is too bright at night", body="Any dark mode?"
        )
        commit()
        return topic.id


def _colours(page: Page, path: str) -> dict[str, str | None]:
    page.goto(path)
    return page.evaluate(COLOURS)


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_pages_follow_the_system_colour_scheme(
    new_context: Callable[..., BrowserContext], topic_id: int, scheme: str
) -> None:
    page = new_context(color_scheme=scheme).new_page()
    for path in ("/", f"/t/{topic_id}"):
        colours = _colours(page, path)
        background, text = colours["background"], colours["text"]
        assert background is not None and text is not None
        assert colours["scheme"] == "light dark", path
        if scheme == "dark":
            assert _luminance(background) < 0.05, (path, background)
            assert _luminance(text) > 0.6, (path, text)
        else:
            assert _luminance(background) > 0.8, (path, background)
            assert _luminance(text) < 0.05, (path, text)
        assert _contrast(background, text) >= 4.5, (path, background, text)
        if path != "/":
            assert colours["post"] == text, "a post's text follows the theme"
