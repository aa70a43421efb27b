"""Every cached part, for every kind of reader, shows what an uncached render shows.

The same pages are asked for by visitors and members of every role and capability set,
in French and English, from an application that caches parts and from one that keeps
nothing (PAGE_CACHE_BYTES = 0): the HTML must be the same but for the per-request
holes (CSRF and submission tokens). Each reader kind asks after the others have filled
the cache, in two orders, so a key that forgets a fact its part shows serves one
reader's part to another and fails here. The test also checks that it exercised every
registered part, and every fact of every part's reader both ways.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from app.core import parts, permissions
from app.core.clock import now_utc
from app.core.events import commit
from app.core.notifications import notify
from app.extensions import db
from app.forum import services, solutions, topic_actions, topic_state, voting
from app.forum.categories import create_category
from app.forum.deletion import delete_post
from app.forum.models import Post, Topic
from app.forum.view_counter import views as view_counter
from tests.conftest import IsolatedClient, LoggedIn

TOKENS = re.compile(r'(name="(?:csrf_token|submission)"(?: type="hidden")? value=")[^"]*"')
LOUNGE = "category.lounge"
SPACE = "space.campaign.7"


def _quiet(app: Flask) -> Flask:
    # Two posts a page, so that topics have several pages; view counts stay in memory.
    # Views are not written meanwhile, and parts that expire outlive the test: view counts
    # and relative dates may look older on a cached page, by design (PAGE_CACHE_SECONDS).
    app.config.update(POSTS_PER_PAGE=2, TOPICS_PER_PAGE=2, VIEW_FLUSH_EVERY_VIEWS=10**9,
                      VIEW_FLUSH_EVERY_SECONDS=10**9, PAGE_CACHE_SECONDS=3600)  # fmt: skip
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def community(app, make_user, make_topic, make_answer, category, moderator) -> dict[str, Any]:
    """Questions and discussions in every state a page shows, and who reads them."""
    lounge = create_category("Lounge", "lounge", required_capability=LOUNGE)
    # A private space of a capability family (a campaign's, space.campaign.<id>).
    space = create_category("Preview space", "preview-space", required_capability=SPACE)
    commit()
    alice, bruno = make_user("alice", locale="fr"), make_user("bruno", locale="en")
    carla, dora = make_user("carla"), make_user("dora")
    question = make_topic(alice, title="Grinder noise", tags="grinder, burrs")
    answers = [make_answer(author, question, f"Answer by {author.username}") for author in
               (bruno, carla, dora, carla, bruno)]  # fmt: skip
    voting.vote(alice, answers[0])
    voting.vote(bruno, answers[1])
    solutions.accept_answer(alice, question, answers[1])
    delete_post(moderator, answers[2])
    topic_state.hide_post(answers[3], "flags")
    services.edit_post(bruno, answers[4], body="Answer by bruno, edited")
    stale = make_topic(carla, title="Old unsolved question")
    make_answer(bruno, stale, "Try descaling.")
    db.session.get(Topic, stale.id).created_at = now_utc() - timedelta(days=30)
    talk = make_topic(dora, title="Coffee talk", kind="discussion")
    make_answer(alice, talk, "I like it strong.")
    topic_actions.lock_topic(moderator, talk)
    topic_actions.pin_topic(moderator, talk)
    secret = make_topic(moderator, title="Lounge plans", in_category=lounge)
    preview = make_topic(moderator, title="Spring blends preview", in_category=space)
    duplicate = make_topic(bruno, title="Grinder noise again")
    topic_actions.close_as_duplicate(moderator, duplicate, question)
    hidden_duplicate = make_topic(carla, title="Lounge plans again")
    topic_actions.close_as_duplicate(moderator, hidden_duplicate, secret)
    held = make_topic(dora, title="Held opening post")
    topic_state.hide_post(
        db.session.scalar(select(Post).filter_by(topic_id=held.id, position=0)), "first"
    )
    commit()
    notify([bruno.id], "moderation.warned", "/", reason="test")
    commit()
    readers = {
        "alice": alice,  # asked the question, voted, wrote in the discussion
        "bruno": bruno,  # answered, voted, has a notification
        "helper": make_user("helper"),
        "ambassador": make_user("ambassador"),
        "moderator": moderator,
        "staff": make_user("staff_dan", role="staff"),
        "admin": make_user("admin_eve", role="admin", locale="fr"),
        "suspended": make_user("sam"),
        "invitee": make_user("ines"),  # holds the space's grant
    }
    permissions.grant(readers["invitee"].id, SPACE, "campaign")
    for capability in ("post.edit_any", "answer.accept_stale"):
        permissions.grant(readers["helper"].id, capability, "test")
    for capability in permissions.HELPER_CAPABILITIES:
        permissions.grant(readers["ambassador"].id, capability, "ambassador")
    readers["suspended"].suspended_until = now_utc() + timedelta(days=2)
    readers["suspended"].suspension_reason = "test"
    # For every capability a part asks about, a member holding it alone and one holding
    # every other (the member role's own capabilities cannot be taken away but by a
    # suspension: the suspended member stands for their absence).
    declared = {
        c for part in parts.parts(app).registered.values() for c in part.reader.CAPABILITIES
    }
    for capability in sorted(declared):
        name = capability.replace(".", "_")[:24]
        holder = make_user("only_" + name)
        permissions.grant(holder.id, capability, "test")
        readers[holder.username] = holder
        if not permissions.role_can("member", capability):
            others = make_user("but_" + name)
            for other in declared - {capability}:
                permissions.grant(others.id, other, "test")
            readers[others.username] = others
    commit()
    topics = (question, stale, talk, secret, preview, duplicate, hidden_duplicate, held)
    pages = ["/", f"/c/{category.slug}", f"/c/{category.slug}?filter=unanswered",
             f"/c/{category.slug}?page=2", "/c/lounge", "/c/preview-space", "/tags/grinder",
             "/search?q=grinder",
             "/notifications", "/no-such-page", f"/t/{question.id}?order=date&page=2",
             f"/t/{question.id}?order=date", *(f"/t/{topic.id}" for topic in topics)]  # fmt: skip
    return {"readers": readers, "pages": pages}


def _browsers(app: Flask, readers: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """(reader, language) -> a client: visitors in both languages, members in their own
    and, for the first few, in the other one too."""
    browsers: dict[tuple[str, str], Any] = {
        ("visitor", "en"): app.test_client(),
        ("visitor", "fr"): app.test_client(),
    }
    for number, (name, user) in enumerate(readers.items()):
        languages = ("en", "fr") if number < 4 else (user.locale or "en",)
        for language in languages:
            browsers[(name, language)] = LoggedIn(app, user)
    return browsers


def _get(browser: Any, language: str, path: str, flash: bool) -> tuple[int, str]:
    client = browser.client if isinstance(browser, LoggedIn) else browser
    if flash:  # a message waiting for this browser: shown in the cached layout's hole
        with client.session_transaction() as session:
            session["_flashes"] = [("info", "Bienvenue <chez nous>")]
    response = client.get(path, headers={"Accept-Language": language})
    return response.status_code, TOKENS.sub(r'\1…"', response.get_data(as_text=True))


def _set_languages(readers: dict[str, Any], language_of: dict[str, str]) -> None:
    for name, user in readers.items():
        if name in language_of:
            user.locale = language_of[name]
    commit()


@pytest.mark.committed  # writes the views it counted, on a connection of their own
def test_every_cached_part_shows_what_an_uncached_render_shows(app, database_url, community):
    cached = _quiet(app)
    uncached = _quiet(
        create_app(
            "testing",
            {"DATABASE_URL": database_url, "PAGE_CACHE_BYTES": 0, "PAGE_DATA_CACHE_BYTES": 0},
        )
    )
    readers, pages = community["readers"], community["pages"]
    cached_browsers, uncached_browsers = _browsers(cached, readers), _browsers(uncached, readers)
    expected: dict[tuple[str, str, str], tuple[int, str]] = {}
    keys = list(uncached_browsers)
    for order in (keys, keys[::-1]):
        for name, language in order:
            # A member's pages are in their account's language: set for this round.
            _set_languages(readers, {name: language})
            flash = (name, language) in (("visitor", "fr"), ("bruno", "en"))
            for path in pages:
                if (name, language, path) not in expected:
                    browser = uncached_browsers[(name, language)]
                    expected[(name, language, path)] = _get(browser, language, path, flash)
                found = _get(cached_browsers[(name, language)], language, path, flash)
                assert found == expected[(name, language, path)], (name, language, path)

    view_counter.flush()  # the views counted meanwhile, while the database is there
    registry = parts.parts(cached)
    served = sum(registry.renders.values())
    assert served < len(expected), "most parts came from the cache"
    _check_coverage(registry)
    assert "Bienvenue &lt;chez nous&gt;" in expected[("visitor", "fr", "/")][1]
    assert "Bienvenue" not in expected[("visitor", "en", "/")][1]


def _check_coverage(registry: parts.Parts) -> None:
    """Every registered part was rendered, for readers differing in each of its facts."""
    seen: dict[str, set[Any]] = defaultdict(set)
    for name, reader, _data_key in registry.cache.held_keys():  # type: ignore[misc]
        seen[name].add(reader)
    for name, part in registry.registered.items():
        if name.startswith("test-"):
            continue
        readers = seen[name]
        assert readers, f"part {name!r} was never rendered"
        assert {r.locale for r in readers} == {"en", "fr"}, name
        assert {r.member for r in readers} == {True, False} or name == "post-footer", name
        for capability in part.reader.CAPABILITIES:
            assert {capability in r.capabilities for r in readers} == {True, False}, (
                name,
                capability,
            )
        for field in dataclasses.fields(part.reader):
            if field.name == "capabilities":
                continue  # each one, above
            values = {getattr(r, field.name) for r in readers}
            if isinstance(next(iter(values)), bool):
                assert values == {True, False}, (name, field.name)
            else:  # a fact that never changed here would not be tested
                assert len(values) > 1, (name, field.name)
