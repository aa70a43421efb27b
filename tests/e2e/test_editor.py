"""The editor in a real browser (issue 17): the preview beside the text, the draft kept
across a reload, the warning before leaving unsaved text, the draft gone once posted."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import Dialog, Page, expect
from sqlalchemy import select

from app.accounts import sessions
from app.accounts.models import User
from app.core.events import commit
from app.extensions import db
from app.forum import services as forum_services
from app.forum.models import Category
from tests.e2e.conftest import CATEGORY_SLUG, PASSWORD, LiveServer

pytestmark = pytest.mark.e2e


_writers = itertools.count(1)


@pytest.fixture(scope="module")
def reader(live_server: LiveServer) -> str:
    """A member the posts mention."""
    with live_server.services():
        live_server.create_user("bruno_reader")
    return "bruno_reader"


@pytest.fixture
def writer(
    live_server: LiveServer, new_context: Callable[..., Any], reader: str
) -> tuple[Page, int]:
    """A member of their own, logged in, and their id (the drafts' owner)."""
    name = f"writer{next(_writers)}"
    with live_server.services():
        user_id = live_server.create_user(name).id
    page = new_context().new_page()
    page.goto("/login")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=name).first).to_be_attached()
    return page, user_id


class Dialogs:
    """Every dialog the page opens; beforeunload answered as told (stay or leave)."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        self.leave = True
        page.on("dialog", self._answer)

    def _answer(self, dialog: Dialog) -> None:
        self.seen.append(dialog.type)
        dialog.accept() if self.leave else dialog.dismiss()


def _draft(page: Page, key: str) -> Any:
    return page.evaluate("key => localStorage.getItem(key)", key)


def _wait_for_draft(page: Page, key: str) -> None:
    page.wait_for_function("key => localStorage.getItem(key) !== null", arg=key)


def test_a_question_is_previewed_kept_as_a_draft_and_forgotten_once_posted(writer):
    page, user_id = writer
    key = f"tribune:draft:{user_id}:new-topic"
    dialogs = Dialogs(page)
    page.goto("/new")
    page.get_by_label("Title").fill("Milk frother stays cold")
    body = page.get_by_label("Details")
    body.click()
    body.press_sequentially("It hums **loudly**, ask @bruno_reader")
    # The preview: the server's cooking, the mention linked.
    expect(page.locator("#preview strong")).to_have_text("loudly")
    expect(page.locator("#preview a.mention")).to_have_text("@bruno_reader")
    page.get_by_label("Tags").fill("frother")
    _wait_for_draft(page, key)

    # Leaving by a link warns; staying keeps everything.
    dialogs.leave = False
    page.get_by_role("link", name="Tribune", exact=True).click()
    expect(page).to_have_url(f"{page.url.split('/new')[0]}/new")
    assert "beforeunload" in dialogs.seen
    assert page.get_by_label("Title").input_value() == "Milk frother stays cold"

    # Back later: the draft is put back, with a notice, and previewed again.
    dialogs.leave = True
    page.reload()
    expect(page.get_by_text("Your draft was restored.")).to_be_visible()
    assert page.get_by_label("Title").input_value() == "Milk frother stays cold"
    assert page.get_by_label("Details").input_value().startswith("It hums **loudly**")
    assert page.get_by_label("Tags").input_value() == "frother"
    expect(page.locator("#preview strong")).to_have_text("loudly")

    # Publishing asks nothing, and the draft is forgotten once the topic is saved.
    before = len(dialogs.seen)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", name="Milk frother stays cold")).to_be_visible()
    assert dialogs.seen[before:] == []
    page.wait_for_function("key => localStorage.getItem(key) === null", arg=key)
    page.goto("/new")
    expect(page.get_by_text("Your draft was restored.")).to_be_hidden()
    assert page.get_by_label("Title").input_value() == ""


def test_an_answer_is_previewed_kept_discarded_and_forgotten_once_posted(writer):
    page, user_id = writer
    dialogs = Dialogs(page)
    page.goto("/new")
    page.get_by_label("Title").fill("Grinder jams on dark beans")
    page.get_by_label("Details").fill("Every morning.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", name="Grinder jams on dark beans")).to_be_visible()
    topic_id = page.url.split("/t/")[1].split("/")[0]
    key = f"tribune:draft:{user_id}:reply-{topic_id}"

    answer = page.get_by_label("Your answer")
    answer.click()
    answer.press_sequentially("Try a *coarser* setting")
    expect(page.locator("#preview em")).to_have_text("coarser")
    _wait_for_draft(page, key)

    dialogs.leave = False
    page.get_by_role("link", name="Help").first.click()
    assert "beforeunload" in dialogs.seen
    assert answer.input_value() == "Try a *coarser* setting"

    dialogs.leave = True
    page.reload()
    expect(page.get_by_text("Your draft was restored.")).to_be_visible()
    assert page.get_by_label("Your answer").input_value() == "Try a *coarser* setting"

    # Discarding empties the form and forgets the draft; a new one starts with the typing.
    page.get_by_role("button", name="Discard draft").click()
    assert page.get_by_label("Your answer").input_value() == ""
    assert _draft(page, key) is None
    answer = page.get_by_label("Your answer")
    answer.click()
    answer.press_sequentially("Clean the burrs")
    _wait_for_draft(page, key)

    before = len(dialogs.seen)
    page.get_by_role("button", name="Post your answer").click()
    expect(page.locator("article.post .body", has_text="Clean the burrs")).to_be_visible()
    assert dialogs.seen[before:] == []
    page.wait_for_function("key => localStorage.getItem(key) === null", arg=key)
    assert page.get_by_label("Your answer").input_value() == ""


def test_the_preview_fits_a_phone(writer):
    page, _user_id = writer
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/new")
    page.get_by_label("Details").fill("| a | b |\n|---|---|\n| " + "x" * 300 + " | y |")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview table")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width


def test_the_tags_field_suggests_existing_tags(writer, live_server):
    page, _user_id = writer
    with live_server.services():
        author = db.session.scalar(select(User).where(User.username == "bruno_reader"))
        help_category = db.session.scalar(select(Category).where(Category.slug == CATEGORY_SLUG))
        forum_services.create_topic(
            author, help_category, title="Steam wand", body="Sputters.", tags="steam-wand"
        )
        commit()
    page.goto("/new")
    tags = page.get_by_label("Tags")
    tags.click()
    tags.press_sequentially("ste")
    options = page.locator("datalist#tags-suggestions option")
    expect(options).to_have_count(1)
    assert options.first.get_attribute("value") == "steam-wand"
    assert tags.get_attribute("list") == "tags-suggestions"


def test_an_edit_starts_previewed_and_warns_before_leaving_changed_text(writer):
    page, _user_id = writer
    dialogs = Dialogs(page)
    page.goto("/new")
    page.get_by_label("Title").fill("Cups come out lukewarm")
    page.get_by_label("Details").fill("Since the **update**.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", name="Cups come out lukewarm")).to_be_visible()
    page.locator("article.post").first.get_by_role("link", name="Edit").click()
    expect(page.locator("#preview strong")).to_have_text("update")
    text = page.get_by_label("Text", exact=True)
    text.click()
    text.press("End")
    text.press_sequentially(" And *colder*.")
    expect(page.locator("#preview em")).to_have_text("colder")
    dialogs.leave = False
    page.get_by_role("link", name="Cancel").click()
    assert dialogs.seen == ["beforeunload"]
    assert text.input_value().endswith("And *colder*.")
    dialogs.leave = True
    page.get_by_role("button", name="Save").click()
    expect(page.locator("article.post .body em")).to_have_text("colder")
    assert dialogs.seen == ["beforeunload"]


def test_a_preview_after_the_session_ended_says_so(writer, live_server):
    page, user_id = writer
    page.goto("/new")
    page.get_by_label("Details").fill("Still **typing**")
    # "Log out everywhere" from another device: the browser keeps its cookie and its form.
    with live_server.services():
        sessions.end_all(db.session.get(User, user_id))
        commit()
    page.get_by_role("button", name="Preview").click()
    # The refusal beside the button, as for every instant action; the text stays.
    refusal = page.locator("button[name=preview] + .refusal[role=alert]")
    expect(refusal).to_contain_text("You are logged out")
    assert page.get_by_label("Details").input_value() == "Still **typing**"
    # Its cookie gone too (a session that expired), the form's token is refused: that says so.
    page.context.clear_cookies()
    page.get_by_role("button", name="Preview").click()
    expect(refusal).to_contain_text("Your form expired")
    assert page.get_by_label("Details").input_value() == "Still **typing**"
