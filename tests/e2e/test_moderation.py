"""Moderation in a real browser: members flag spam, it hides, a moderator restores it."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package cannot be imported")

from playwright.sync_api import Page, expect

from app.accounts import services as account_services
from app.core.events import commit
from app.extensions import db
from app.forum import services as forum_services
from app.forum.models import Category
from app.moderation import services as moderation_services
from tests.e2e.conftest import CATEGORY_SLUG, PASSWORD, LiveServer
from tests.e2e.test_questions import log_in, log_out

pytestmark = pytest.mark.e2e

SPAM = "Genuine Caféo pods at half price on cheap-pods.example"


def _community(live: LiveServer) -> tuple[int, int]:
    """A question with a spammy answer, three members past the flag floor, a moderator."""
    with live.services():
        category = db.session.scalars(db.select(Category).filter_by(slug=CATEGORY_SLUG)).one()
        asker = live.create_user("asker_amy")
        spammer = live.create_user("pod_seller")
        topic = forum_services.create_topic(
            asker, category, title="Which pods fit the Caféo 300?", body="Any brand works?"
        )
        commit()
        answer = forum_services.reply(spammer, topic, body=SPAM)
        commit()
        for name in ("flagger_one", "flagger_two", "flagger_three"):
            user = live.create_user(name)
            forum_services.create_topic(user, category, title=f"Hello from {name}", body="Hi!")
            commit()
        account_services.create_user("cm_clara", "cm_clara@example.com", PASSWORD, role="moderator")
        commit()
        return topic.id, answer.id


def test_flags_hide_spam_and_a_moderator_restores_it_with_every_step_logged(
    live_server: LiveServer, new_context
) -> None:
    topic_id, answer_id = _community(live_server)
    page: Page = new_context().new_page()
    for flagger in ("flagger_one", "flagger_two", "flagger_three"):
        page.goto("/login")
        log_in(page, flagger)
        page.goto(f"/t/{topic_id}")
        page.locator(f"#post-{answer_id}").get_by_role("link", name="Flag").click()
        page.get_by_label("Spam").check()
        page.get_by_role("button", name="Flag").click()
        expect(page.get_by_role("status")).to_contain_text("the moderators will look at this post")
        log_out(page)

    # Three members' flags weigh enough: visitors no longer see the spam.
    page.goto(f"/t/{topic_id}")
    expect(page.get_by_text("Which pods fit the Caféo 300?").first).to_be_visible()
    expect(page.get_by_text(SPAM)).to_have_count(0)

    # The community manager disagrees and restores it from the queue.
    page.goto("/login")
    log_in(page, "cm_clara")
    page.get_by_role("link", name="Manage").click()
    item = page.locator(f"#queue-post-{answer_id}")
    expect(item).to_contain_text("3 flags")
    expect(item).to_contain_text("hidden")
    item.get_by_label("Reason").fill("A real offer from our partner shop")
    item.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Approved: the post is shown")
    expect(page.locator(f"#queue-post-{answer_id}")).to_have_count(0)

    page.get_by_role("link", name="Audit log").click()
    log = page.locator("table.audit-log tbody")
    expect(log.locator("tr")).to_have_count(5)
    # Actions read as words; the code stays in the title (and the CSV).
    expect(log.locator("tr").nth(0)).to_contain_text("Post approved")
    expect(log.locator("tr").nth(0).locator('[title="post.approve"]')).to_have_count(1)
    expect(log.locator("tr").nth(0)).to_contain_text("A real offer from our partner shop")
    expect(log.locator("tr").nth(1).locator('[title="post.auto_hide"]')).to_have_count(1)
    expect(log.locator('[title="flag.create"]')).to_have_count(3)
    log_out(page)

    page.goto(f"/t/{topic_id}")
    expect(page.get_by_text(SPAM)).to_be_visible()


FRENCH_LOGIN = {"login": "Pseudo ou e-mail", "password": "Mot de passe", "submit": "Se connecter"}
RUDE = "Only an idiot would descale with vinegar"


def _flagged_reply_and_a_helper(live: LiveServer) -> tuple[int, int]:
    """A reply flagged once (not enough to hide it), a helpful member, a French moderator."""
    with live.services():
        category = db.session.scalars(db.select(Category).filter_by(slug=CATEGORY_SLUG)).one()
        asker = live.create_user("asker_bea")
        rude = live.create_user("rude_rob")
        live.create_user("helpful_hana")
        topic = forum_services.create_topic(
            asker, category, title="Descaling with vinegar?", body="Is it safe?"
        )
        commit()
        reply = forum_services.reply(rude, topic, body=RUDE)
        commit()
        moderation_services.flag_post(asker, reply, "offensive")
        account_services.create_user(
            "cm_camille", "cm_camille@example.com", PASSWORD, role="moderator", locale="fr"
        )
        commit()
        return topic.id, reply.id


def test_a_french_moderator_hides_unhides_and_promotes_and_reads_it_all_in_the_log(
    live_server: LiveServer, new_context
) -> None:
    topic_id, reply_id = _flagged_reply_and_a_helper(live_server)
    page: Page = new_context(locale="fr-FR").new_page()
    page.goto("/login")
    log_in(page, "cm_camille", form_labels=FRENCH_LOGIN)

    # Hide the flagged reply from the queue, with a reason.
    page.get_by_role("link", name="Gérer").click()
    item = page.locator(f"#queue-post-{reply_id}")
    item.get_by_label("Motif").fill("Insulte")
    item.get_by_role("button", name="Masquer").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator(f"#queue-post-{reply_id}")).to_have_count(0)

    # The queue's "Recently hidden" offers to show it again.
    hidden = page.locator(f"#hidden-post-{reply_id}")
    hidden.get_by_label("Motif").fill("Reformulé par son auteur")
    hidden.get_by_role("button", name="Afficher à nouveau").click()
    expect(page.locator(f"#hidden-post-{reply_id}")).to_have_count(0)
    page.goto(f"/t/{topic_id}")
    expect(page.get_by_text(RUDE)).to_be_visible()

    # Promote a member by hand, with a reason, through the ambassador page's form.
    page.goto("/manage/ambassadors/u/helpful_hana")
    page.get_by_label("Motif").fill("Anime les ateliers du samedi")
    page.get_by_role("button", name="Promouvoir et épingler").click()
    expect(page.get_by_text("Anime les ateliers du samedi").first).to_be_visible()

    # All of it reads in French in the audit log, names and reasons included.
    page.goto("/manage/queue")
    page.get_by_role("link", name="Journal de modération").click()
    log = page.locator("table.audit-log tbody")
    promoted = log.locator("tr", has=page.locator('[title="ambassador.promote"]'))
    expect(promoted).to_contain_text("Nommé ambassadeur à la main")
    expect(promoted).to_contain_text("helpful_hana")
    expect(promoted).to_contain_text("Anime les ateliers du samedi")
    expect(promoted).to_contain_text("Statut membre")
    expect(promoted).to_contain_text("Statut ambassadeur")
    shown = log.locator("tr", has=page.locator('[title="post.unhide"]'))
    expect(shown).to_contain_text("Message de nouveau visible")
    expect(shown).to_contain_text("Reformulé par son auteur")
    expect(shown).to_contain_text(f"message {reply_id}")
    hid = log.locator("tr", has=page.locator('[title="post.hide"]'))
    expect(hid).to_contain_text("Message masqué")
    expect(hid).to_contain_text("Insulte")
    expect(hid).to_contain_text("Masqué oui")
    expect(page.locator("table.audit-log")).not_to_contain_text("user.")
    expect(page.get_by_role("columnheader", name="Quand (Europe/Paris)")).to_be_visible()
