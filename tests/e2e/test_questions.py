"""The question-and-answer flow, in a real browser: ask, answer, vote, choose a solution."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import Locator, Page, expect

from app.accounts.models import User
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.forum import services as forum_services
from app.forum import solutions
from app.forum.models import Category, Post, Topic
from tests.e2e.conftest import CATEGORY_NAME, CATEGORY_SLUG, PASSWORD, LiveServer

pytestmark = pytest.mark.e2e

QUESTION_TITLE = "The espresso machine blinks red after descaling"
QUESTION_BODY = "I ran the descaling program twice and the light **still** blinks red."
BRUNO_ANSWER = "Hold the power button for ten seconds: that resets the descaling counter."
CAROL_ANSWER = "Have you tried unplugging it for a minute?"


def site_menu(page: Page) -> Locator:
    """The site's menu; on a phone (the compact menu showing), opened first."""
    page.wait_for_load_state()  # not the page a click is leaving
    compact = page.locator("header.site details.menu")
    if compact.locator("> summary").is_visible() and compact.get_attribute("open") is None:
        compact.locator("> summary").click()
    return page.locator("header.site")


def register(page: Page, live: LiveServer, username: str) -> None:
    """Sign up through the form, then through the link of the mail the outbox sends."""
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    with live.services():
        assert run_job("deliver-mail").outcome == "success"
    mail = (Path(live.app.instance_path) / "mail").glob("*.eml")
    texts = [path.read_text() for path in sorted(mail)]
    (text,) = [t for t in texts if f"To: {username}@example.com" in t]
    link = re.search(r"http://\S+/register/confirm/\S+", text)
    assert link, text
    page.goto(link.group(0))
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to the community, {username}!")
    logged_in_as(page, username)


def logged_in_as(page: Page, username: str) -> None:
    """The menu names the member: waits for the page after the form, then looks."""
    expect(page.locator(f'header.site a[href$="/u/{username}"]').first).to_be_attached()
    expect(site_menu(page).get_by_role("link", name=username, exact=True)).to_be_visible()


def log_in(page: Page, username: str, *, form_labels: dict[str, str] | None = None) -> None:
    labels = {"login": "Username or email", "password": "Password", "submit": "Log in"}
    labels.update(form_labels or {})
    page.get_by_label(labels["login"]).fill(username)
    page.get_by_label(labels["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=labels["submit"]).click()
    logged_in_as(page, username)


def log_out(page: Page) -> None:
    site_menu(page).get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")
    expect(page.get_by_role("link", name="Sign up")).to_be_visible()


def vote_label(label: str, count: int) -> re.Pattern[str]:
    """The vote button's text: the label, then the count (whatever sits between)."""
    return re.compile(rf"{label}\D*\b{count}\s*$")


def answers(page: Page) -> Locator:
    return page.locator("section.answers").get_by_role("article")


def answer_by(page: Page, text: str) -> Locator:
    return answers(page).filter(has_text=text)


def topic_id_of(page: Page) -> int:
    found = re.search(r"/t/(\d+)", page.url)
    assert found, page.url
    return int(found.group(1))


def test_the_asker_chooses_a_solution_that_is_shown_first(
    live_server: LiveServer, new_context: Callable[..., Any], tmp_path: Path
) -> None:
    page = new_context().new_page()

    # A first member signs up through the form and asks a question.
    register(page, live_server, "alice_asks")
    page.get_by_role("link", name="Ask", exact=True).click()
    expect(page.get_by_role("heading", name="New topic")).to_be_visible()
    page.get_by_label("Category").select_option(label=CATEGORY_NAME)
    page.get_by_role("radio", name="Question").check()
    page.get_by_label("Title").fill(QUESTION_TITLE)
    page.get_by_label("Details").fill(QUESTION_BODY)
    page.get_by_label("Tags").fill("espresso, descaling")
    page.get_by_role("button", name="Publish").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(QUESTION_TITLE)
    expect(page.locator(".page-head .meta")).to_contain_text("Question")
    expect(page.locator(".page-head .tag")).to_have_text(["descaling", "espresso"])
    expect(page.get_by_role("article").first.locator("strong")).to_have_text("still")
    expect(page.get_by_role("heading", name="0 answers")).to_be_visible()
    topic_url = page.url
    topic_id = topic_id_of(page)
    log_out(page)

    # A second member signs up and answers through the reply form.
    register(page, live_server, "bruno_answers")
    page.goto(topic_url)
    page.get_by_label("Your answer").fill(BRUNO_ANSWER)
    page.get_by_role("button", name="Post your answer").click()
    expect(page).to_have_url(re.compile(r"#post-\d+$"))
    expect(page.get_by_role("heading", name="1 answer")).to_be_visible()
    expect(answer_by(page, BRUNO_ANSWER)).to_be_visible()
    # Nobody votes for their own post: no Helpful button on Bruno's answer for Bruno.
    expect(answer_by(page, BRUNO_ANSWER).get_by_role("button", name="Helpful")).to_have_count(0)

    # A third member answers too (made through the services, not the browser).
    with live_server.services():
        carol = live_server.create_user("carol_answers")
        forum_services.reply(carol, db.session.get(Topic, topic_id), body=CAROL_ANSWER)
        commit()
        db.session.remove()

    # Bruno finds Carol's answer helpful: the count goes up and the button stays pressed.
    page.goto(topic_url)
    carol_vote = answer_by(page, CAROL_ANSWER).get_by_role("button", name="Helpful")
    expect(carol_vote).to_have_text(vote_label("Helpful", 0))
    expect(carol_vote).to_have_attribute("aria-pressed", "false")
    carol_vote.click()
    expect(carol_vote).to_have_text(vote_label("Helpful", 1))
    expect(carol_vote).to_have_attribute("aria-pressed", "true")
    log_out(page)

    # The asker logs back in through /login, also finds Carol's answer helpful...
    page.goto("/login")
    log_in(page, "alice_asks")
    page.goto(topic_url)
    expect(page.get_by_role("heading", name="2 answers")).to_be_visible()
    expect(answers(page)).to_have_count(2)
    expect(answers(page).first).to_contain_text(CAROL_ANSWER)  # most helpful first
    carol_vote = answer_by(page, CAROL_ANSWER).get_by_role("button", name="Helpful")
    carol_vote.click()
    expect(carol_vote).to_have_text(vote_label("Helpful", 2))

    # ...but marks Bruno's answer (no votes) as the solution.
    # In place (htmx): the button and the marks change at once; the solution comes first
    # from the next time the page is loaded.
    answer_by(page, BRUNO_ANSWER).get_by_role("button", name="Mark as solution").click()
    expect(
        answer_by(page, BRUNO_ANSWER).get_by_role("button", name="Unmark solution")
    ).to_be_visible()
    expect(answer_by(page, BRUNO_ANSWER).locator("header .solved")).to_contain_text("Solution")
    page.reload()
    assert_solution_first(page)

    with live_server.services():
        topic = db.session.get(Topic, topic_id)
        accepted = db.session.get(Post, topic.accepted_post_id)
        assert db.session.get(User, accepted.author_id).username == "bruno_answers"
        assert accepted.vote_count == 0
        db.session.remove()

    # A logged-out visitor sees the same order, with no buttons to vote or choose.
    visitor = new_context().new_page()
    visitor.goto(topic_url)
    expect(visitor.get_by_role("link", name="Log in").first).to_be_visible()
    assert_solution_first(visitor)
    expect(visitor.get_by_role("button", name="Helpful")).to_have_count(0)
    expect(visitor.get_by_role("button", name="Mark as solution")).to_have_count(0)
    expect(answers(visitor).nth(1).locator(".votes")).to_contain_text("2")
    visitor.screenshot(path=tmp_path / "solved-topic.png", full_page=True)


def assert_solution_first(page: Page) -> None:
    """The accepted answer comes first, marked, before the more helpful one."""
    expect(page.locator(".page-head .solved")).to_contain_text("Solved")
    expect(answers(page)).to_have_count(2)
    first, second = answers(page).nth(0), answers(page).nth(1)
    expect(first).to_contain_text(BRUNO_ANSWER)
    expect(first).to_have_class(re.compile(r"\baccepted\b"))
    expect(first.locator("header .solved")).to_contain_text("Solution")
    expect(second).to_contain_text(CAROL_ANSWER)
    expect(second.locator("header .solved")).to_have_count(0)


def test_pages_speak_french_to_a_french_browser(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    # A solved question, made through the services.
    with live_server.services():
        asker = live_server.create_user("amelie_fr")
        answerer = live_server.create_user("benoit_fr")
        live_server.create_user("chloe_fr")
        category = db.session.scalar(select(Category).where(Category.slug == CATEGORY_SLUG))
        topic = forum_services.create_topic(
            asker, category, title="Le voyant reste rouge", body="Que faire ?", kind="question"
        )
        answer = forum_services.reply(answerer, topic, body="Maintenez le bouton dix secondes.")
        commit()
        solutions.accept_answer(asker, topic, answer)
        commit()
        topic_path = f"/t/{topic.id}"
        db.session.remove()

    # Playwright sends the locale as Accept-Language: fr-FR.
    page = new_context(locale="fr-FR").new_page()
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Catégories")).to_be_visible()
    expect(page.get_by_role("link", name="S\u2019inscrire")).to_be_visible()
    page.get_by_role("link", name="Se connecter").click()
    log_in(
        page,
        "chloe_fr",
        form_labels={
            "login": "Pseudo ou e-mail",
            "password": "Mot de passe",
            "submit": "Se connecter",
        },
    )
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.goto(topic_path)
    expect(page.get_by_role("heading", name="1 réponse")).to_be_visible()
    solution = answers(page).first
    expect(solution.locator("header .solved")).to_contain_text("Solution")
    vote = solution.get_by_role("button", name="Utile")
    expect(vote).to_have_text(vote_label("Utile", 0))
    vote.click()
    expect(vote).to_have_text(vote_label("Utile", 1))
    expect(vote).to_have_attribute("aria-pressed", "true")
    # Only the asker may choose the solution: Chloé has no such button.
    expect(page.get_by_role("button", name="Marquer comme solution")).to_have_count(0)
