"""Every topic action, for every kind of reader, is allowed or refused as the capability map says.

For each reader and action, on a topic made for it: if the reader's capabilities
(ROLE_CAPABILITIES, plus HELPER_CAPABILITIES for helpers and ambassadors) allow it, the
page offers the form or button and posting it does the action; otherwise the page does
not offer it, and the same request sent anyway (a valid CSRF token, plausible fields) is
refused (403, or the login page for visitors) and changes nothing. The map itself is
pinned by WHO below, so a change of who may do what is a change of this file too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from app.core.clock import now_utc
from app.core.events import commit
from app.core.permissions import HELPER_CAPABILITIES, ROLE_CAPABILITIES, grant
from app.extensions import db
from app.forum import solutions
from app.forum.categories import create_category
from app.forum.models import Post, Topic
from tests.support import button_submission, form_submission

ROLES = ("visitor", "member", "helper", "ambassador", "moderator", "staff", "admin")
HELPERS = ("helper", "ambassador")  # members holding the helper capabilities

# Who may do each action (besides a topic's author, who may retag and choose a solution).
MODERATORS = {"moderator", "admin"}
WHO = {
    "pin": MODERATORS,
    "unpin": MODERATORS,
    "lock": MODERATORS,
    "unlock": MODERATORS,
    "move": MODERATORS | set(HELPERS),
    "retag": MODERATORS | set(HELPERS),
    "close as duplicate": MODERATORS | set(HELPERS),
    "reopen": MODERATORS | set(HELPERS),
    "merge": MODERATORS,
    "split": MODERATORS,
    "accept": MODERATORS,
    "accept on a stale question": MODERATORS | set(HELPERS),
    "unaccept": MODERATORS,
}


def holds(role: str, capability: str) -> bool:
    if role == "visitor":
        return False
    held = set(ROLE_CAPABILITIES["member" if role in HELPERS else role])
    if role in HELPERS:
        held |= set(HELPER_CAPABILITIES)
    return capability in held


def fresh(topic_id: int) -> Topic:
    return db.session.get(Topic, topic_id, populate_existing=True)


@dataclass
class Scene:
    """What the actions work on: the topic, and the other rows some actions need."""

    topic: Topic
    other: Any = None  # a category, a topic, a post


@dataclass(frozen=True)
class Action:
    name: str
    capabilities: tuple[str, ...]  # any of them allows it
    prepare: Callable[[Any], Scene]  # (the test's world) -> the scene
    page: Callable[[Scene], str]  # the page that offers it
    target: Callable[[Scene], str]  # the form's action or the button's formaction
    fields: Callable[[Scene], dict[str, str]]  # what the reader types (and a forger sends)
    done: Callable[[Scene], bool]  # the action happened
    button: bool = False  # a button with a formaction, not a form's action


def _manage(scene: Scene) -> str:
    return f"/t/{scene.topic.id}/manage"


def _topic_page(scene: Scene) -> str:
    return f"/t/{scene.topic.id}"


def _on(path: str) -> Callable[[Scene], str]:
    return lambda scene: f"/t/{scene.topic.id}/manage/{path}"


def _no_fields(scene: Scene) -> dict[str, str]:
    return {}


def _flag(name: str, field: str, value: bool, capability: str) -> Action:
    def prepare(world: Any) -> Scene:
        topic = world.topic()
        setattr(topic, field, not value)
        commit()
        return Scene(topic)

    return Action(
        name, (capability,), prepare, _manage, _on(name), _no_fields,
        lambda scene: getattr(fresh(scene.topic.id), field) is value, button=True,
    )  # fmt: skip


def _with_other_category(world: Any) -> Scene:
    scene = Scene(world.topic(), create_category("Recipes", "recipes"))
    commit()
    return scene


def _with_original(world: Any) -> Scene:
    return Scene(world.topic(), world.topic(title="The original question"))


def _closed_duplicate(world: Any) -> Scene:
    scene = _with_original(world)
    scene.topic.duplicate_of_id, scene.topic.locked = scene.other.id, True
    commit()
    return scene


def _with_reply(world: Any) -> Scene:
    topic = world.topic()
    return Scene(topic, world.answer(topic))


def _stale_with_answer(world: Any) -> Scene:
    scene = _with_reply(world)
    scene.topic.created_at = now_utc() - timedelta(days=30)
    commit()
    return scene


def _solved(world: Any) -> Scene:
    scene = _with_reply(world)
    solutions.accept_answer(world.author, scene.topic, scene.other)  # the asker chose it
    commit()
    return scene


def _accepted(scene: Scene) -> bool:
    return fresh(scene.topic.id).accepted_post_id == scene.other.id


ACTIONS = (
    _flag("pin", "pinned", True, "topic.pin"),
    _flag("unpin", "pinned", False, "topic.pin"),
    _flag("lock", "locked", True, "topic.lock"),
    _flag("unlock", "locked", False, "topic.lock"),
    Action(
        "move", ("topic.move",), _with_other_category, _manage, _on("move"),
        lambda scene: {"category": str(scene.other.id), "reason": "Belongs there"},
        lambda scene: fresh(scene.topic.id).category_id == scene.other.id,
    ),
    Action(
        "retag", ("topic.retag",), lambda world: Scene(world.topic()), _manage, _on("retag"),
        lambda scene: {"tags": "descaling"},
        lambda scene: [tag.name for tag in fresh(scene.topic.id).tags] == ["descaling"],
    ),
    Action(
        "close as duplicate", ("topic.close_duplicate",), _with_original, _manage,
        _on("duplicate"), lambda scene: {"original": str(scene.other.id)},
        lambda scene: fresh(scene.topic.id).duplicate_of_id == scene.other.id,
    ),
    Action(
        "reopen", ("topic.close_duplicate",), _closed_duplicate, _manage, _on("reopen"),
        _no_fields, lambda scene: fresh(scene.topic.id).duplicate_of_id is None,
    ),
    Action(
        "merge", ("topic.merge",), _with_original, _manage, _on("merge"),
        lambda scene: {"target": str(scene.other.id)},
        lambda scene: fresh(scene.topic.id).deleted_at is not None,
    ),
    Action(
        "split", ("topic.merge",), _with_reply, _manage, _on("split"),
        lambda scene: {"post_ids": str(scene.other.id), "title": "The reply on its own"},
        lambda scene: db.session.get(Post, scene.other.id, populate_existing=True).topic_id
        != scene.topic.id,
    ),
    Action(
        "accept", ("answer.accept_any",), _with_reply, _topic_page,
        lambda scene: f"/p/{scene.other.id}/accept", _no_fields, _accepted, button=True,
    ),
    Action(
        "accept on a stale question", ("answer.accept_any", "answer.accept_stale"),
        _stale_with_answer, _topic_page, lambda scene: f"/p/{scene.other.id}/accept",
        _no_fields, _accepted, button=True,
    ),
    Action(
        "unaccept", ("answer.accept_any",), _solved, _topic_page,
        lambda scene: f"/p/{scene.other.id}/unaccept", _no_fields,
        lambda scene: fresh(scene.topic.id).accepted_post_id is None, button=True,
    ),
)  # fmt: skip


def allowed(role: str, action: Action) -> bool:
    return any(holds(role, capability) for capability in action.capabilities)


def test_the_capability_map_gives_each_action_to_whom_it_says():
    assert {action.name for action in ACTIONS} == set(WHO)
    for action in ACTIONS:
        assert {role for role in ROLES if allowed(role, action)} == WHO[action.name], action.name


class World:
    """Topics by one member, answered by another, in the test's category."""

    def __init__(self, make_user: Any, make_topic: Any, make_answer: Any) -> None:
        self.author = make_user("asker")
        self.answerer = make_user("answerer")
        self._make_topic, self._make_answer = make_topic, make_answer
        self._count = 0

    def topic(self, title: str | None = None) -> Topic:
        self._count += 1
        return self._make_topic(self.author, title=title or f"How do I descale it? ({self._count})")

    def answer(self, topic: Topic) -> Post:
        return self._make_answer(self.answerer, topic)


def _reader(role: str, app: Any, client: Any, make_user: Any, login: Any) -> Any:
    """A browser for ``role``, made as the application makes such a reader."""
    if role == "visitor":
        return client
    if role in ("member", "helper", "ambassador"):
        user = make_user(f"reader_{role}")
    else:
        user = make_user(f"reader_{role}", role=role)
    if role == "helper":  # the grants the nightly ambassador job gives
        for capability in HELPER_CAPABILITIES:
            grant(user.id, capability, "ambassador")
        commit()
    if role == "ambassador":  # promoted by a moderator on the ambassador console
        manager = login(make_user("console_moderator", role="moderator"))
        page = manager.get(f"/manage/ambassadors/u/{user.username}").text
        url, data = form_submission(
            page, f"/manage/ambassadors/u/{user.username}/status", reason="Helps every day"
        )
        assert data["status"] == "ambassador"
        assert manager.client.post(url, data=data).status_code == 302
    return login(user)


def _offered(html: str, action: Action, scene: Scene) -> tuple[str, dict[str, str]] | None:
    try:
        if action.button:
            return button_submission(html, action.target(scene))
        return form_submission(html, action.target(scene), **action.fields(scene))
    except AssertionError:
        return None


def _try(role: str, reader: Any, action: Action, scene: Scene, csrf: str) -> list[str]:
    """Problems with ``role`` doing ``action`` (none when the page and the map agree)."""
    where = f"{role}: {action.name}"
    page = reader.get(action.page(scene))
    if allowed(role, action):
        if page.status_code != 200:
            return [f"{where}: the page answers {page.status_code}"]
        offered = _offered(page.text, action, scene)
        if offered is None:
            return [f"{where}: allowed, but the page offers no form or button for it"]
        url, data = offered
        response = reader.post(url, data=data)
        if response.status_code != 302 or not action.done(scene):
            return [f"{where}: allowed, but posting the page's form answered "
                    f"{response.status_code} and did not do it"]  # fmt: skip
        return []
    problems = []
    if page.status_code == 200 and _offered(page.text, action, scene) is not None:
        problems.append(f"{where}: refused, but the page offers it")
    response = reader.post(action.target(scene), data={"csrf_token": csrf, **action.fields(scene)})
    refused = (
        response.status_code == 302 and "/login" in response.location
        if role == "visitor"
        else response.status_code == 403
    )
    if not refused:
        problems.append(f"{where}: refused, but a request sent anyway answered "
                        f"{response.status_code}")  # fmt: skip
    if action.done(scene):
        problems.append(f"{where}: refused, but a request sent anyway did it")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_each_topic_action_is_offered_and_done_only_as_the_capability_map_says(
    app, client, make_user, make_topic, make_answer, login, role
):
    if role == "visitor":
        # Not the CSRF check: the login requirement is what must refuse a visitor.
        app.config["WTF_CSRF_ENABLED"] = False
    world = World(make_user, make_topic, make_answer)
    reader = _reader(role, app, client, make_user, login)
    # What a forger sends: the CSRF token of the reader's own session, as any page holds.
    csrf = "" if role == "visitor" else reader.csrf()
    browser = client if role == "visitor" else reader.client
    problems = []
    for action in ACTIONS:
        problems += _try(role, browser, action, action.prepare(world), csrf)
    assert problems == []
