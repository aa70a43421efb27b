"""The fuzz test's small world and its odd input (tests/test_fuzz.py uses them).

The world has one of everything a form acts on: topics with an accepted, a voted and a
deleted answer, a flagged post, a held first post, a duplicate, a silenced member, a
voting report, an API token, a failed outgoing message, a reset link, a pending
sign-up, a campaign in each state (with an offer and a survey) and a sent event
that a member accepted. The odd input is what a careless or hostile client sends:
control characters, lone surrogates (percent-encoded as the invalid UTF-8 they would
arrive as), numbers past every integer type, very long text, file parts and JSON
where a form is expected.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote_from_bytes

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.accounts import registrations, resets, tokens
from app.badges.models import VotingReport
from app.core import mail
from app.core.clock import now_utc
from app.core.events import commit
from app.core.notifications import Notification, notify
from app.extensions import db
from app.forum import services as forum_services
from app.forum import solutions, topic_actions, voting
from app.forum.categories import create_category
from app.forum.deletion import delete_post
from app.forum.following import set_following
from app.forum.models import Post
from app.invitations import campaigns, replies, sending, spaces, surveys
from app.invitations.models import Invitation
from app.invitations.tokens import REPLY, campaign_key, derive
from app.moderation import members
from app.moderation import services as moderation_services
from app.notification_mail import tokens as notification_mail_tokens
from app.rewards import catalog as reward_catalog
from app.rewards import redeeming
from tests.conftest import PASSWORD, LoggedIn

SPECIALS = [
    "\x00", "a\x00b", "\x01\x02\x1b[31m", "\x7f", "\x85", "\x9f", "\ud800",
    "x\udfffy", "\u2028", "\ufeff", "\u202e", "tab\there", "line\r\nSet-Cookie: x=1", "\n",
    "%00", "²", "٣", "1_000", "-1", "0", "2147483648", "9" * 10, "9" * 30, "1" + "0" * 309,
    "1e309", "NaN",
    "-9223372036854775809", "http://x/t/99999999999", "/t/" + "9" * 12, "/\\evil.example",
    "<script>alert(1)</script>", "' OR 1=1 --", '"quoted" *star* AND NOT', "../../etc/passwd",
    " ", "",
]  # fmt: skip
# Long text, made when drawn (a long literal would make every failure report huge).
LONG = st.sampled_from((("a", 5000), ("é", 70_000), ("\U0001d54f", 300), ("\x00", 300), ("9", 400)))
ANY_CHARACTER = st.characters(exclude_categories=())  # controls and surrogates included
ODD_TEXT = st.one_of(
    st.sampled_from(SPECIALS),
    LONG.map(lambda repeated: repeated[0] * repeated[1]),
    st.text(ANY_CHARACTER, max_size=30),
    st.builds(lambda a, b: a + b, st.text(max_size=8), st.sampled_from(SPECIALS)),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)


def encoded(text: str) -> str:
    """Percent-encoded as a client sends it; a lone surrogate goes as invalid UTF-8."""
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


def urlencoded(fields: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{encoded(name)}={encoded(value)}" for name, value in fields).encode()


def multipart(fields: list[tuple[str, str]], as_file: str) -> tuple[bytes, str]:
    """A multipart body in which the field named ``as_file`` is sent as a file."""
    boundary = "tribune-fuzz-8d1b2c"
    parts = []
    for name, value in fields:
        disposition = f'form-data; name="{name}"'
        head = f"--{boundary}\r\nContent-Disposition: {disposition}"
        if name == as_file:
            head += '; filename="odd.txt"\r\nContent-Type: application/octet-stream'
        parts.append(f"{head}\r\n\r\n".encode() + value.encode("utf-8", "surrogatepass") + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    ODD_TEXT,
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
    max_leaves=8,
)


def deeply_nested(depth: int, opening: str = "[") -> bytes:
    closing = {"[": "]", "{": "}"}[opening]
    if opening == "{":
        return ('{"a":' * depth + "1" + closing * depth).encode()
    return (opening * depth + closing * depth).encode()


@dataclass
class World:
    app: Flask
    ids: dict[str, Any] = field(default_factory=dict)
    browsers: dict[str, FlaskClient] = field(default_factory=dict)
    api_secret: str = ""


def build_world(app: Flask, make_user: Any, category: Any) -> World:
    """One of everything the forms act on, made through the services."""
    admin = make_user("admin_eve", role="admin")
    alice, bruno, carol = make_user("alice"), make_user("bruno"), make_user("carol")
    recipes = create_category("Recipes", "recipes", position=1)
    archived_category = create_category("Old machines", "old-machines", position=2)
    archived_category.archived_at = now_utc()
    topic = forum_services.create_topic(
        alice, category, title="How do I descale?", body="It beeps.", tags="milk"
    )
    accepted = forum_services.reply(bruno, topic, body="Use the descaling program.")
    voted = forum_services.reply(bruno, topic, body="Or vinegar, diluted.")
    deleted = forum_services.reply(bruno, topic, body="Buy a new one.")
    other = forum_services.create_topic(alice, category, title="Milk foam is thin", body="Why?")
    flagged = forum_services.reply(alice, other, body="Buy cheap pills at spam.example")
    hidden = forum_services.reply(carol, other, body="Cheap pills again at spam.example")
    copy = forum_services.create_topic(bruno, category, title="Descaling?", body="It beeps too.")
    commit()
    solutions.accept_answer(alice, topic, accepted)
    voting.vote(admin, voted)
    delete_post(admin, deleted)
    set_following(admin, other, True)
    topic_actions.close_as_duplicate(admin, copy, topic, "Asked before")
    commit()
    moderation_services.flag_post(bruno, flagged, "spam", "Looks like spam")
    moderation_services.flag_post(admin, hidden, "spam", "Spam")
    moderation_services.hide_post(admin, hidden, "Spam")  # in the queue's history
    members.silence(admin, carol, 3, "Shouting")
    app.config["HOLD_FIRST_POSTS"] = True
    newbie = make_user("newbie")
    held = forum_services.create_topic(newbie, category, title="Hello all", body="First post!")
    commit()
    app.config["HOLD_FIRST_POSTS"] = False
    now = now_utc()
    report = VotingReport(kind="serial", voter_id=bruno.id, author_id=alice.id, votes=12,
                          window_start=now - timedelta(days=1), window_end=now,
                          report_key="fuzz-report")  # fmt: skip
    db.session.add(report)
    token, secret = tokens.create_token("CRM sync", created_by=admin)
    failed = mail.enqueue("someone@example.com", "Hello", "A message that could not leave.")
    failed.status = mail.FAILED
    reset = resets.issue_reset_token(alice)
    registrations.start_registration("newperson", "newperson@example.com", PASSWORD)
    commit()
    campaign = _sent_campaign(admin, alice)
    sign_up = db.session.scalars(
        select(mail.OutboxMessage.text_body).where(
            mail.OutboxMessage.recipient == "newperson@example.com"
        )
    ).one()
    pending = re.search(r"/register/confirm/(\S+)", sign_up)
    assert pending is not None and reset is not None
    event, survey = _sent_campaigns(admin)
    notify([admin.id], "badges.awarded", "/badges", badge="first-post")  # unread: "Mark read"
    commit()
    notification = db.session.scalar(
        select(func.max(Notification.id)).where(Notification.user_id == admin.id)
    )
    world = World(app, api_secret=secret)
    world.ids.update(_campaigns(admin))
    world.ids.update(_rewards(admin, alice))
    world.ids.update(
        topic=topic.id, opening=_opening_post(topic.id), accepted=accepted.id, voted=voted.id,
        deleted=deleted.id, other=other.id, flagged=flagged.id, hidden=hidden.id, copy=copy.id,
        held=_opening_post(held.id), report=report.id, token=token.id, message=failed.id,
        reset=reset, pending=pending.group(1), campaign=campaign.id,
        invitation=_invitation_of(campaign.id, alice.id),
        event_invitation=_invitation_of(event.id, alice.id),
        survey_invitation=_invitation_of(survey.id, alice.id),
        recipes=recipes.id, archived_category=archived_category.id,
        reply_token=derive(campaign_key(event.token_salt), REPLY, bruno.id),
        mail_token=notification_mail_tokens.make(bruno.id, ["answers", "replies"]),
        notification=notification,
    )  # fmt: skip
    world.browsers = {"admin": LoggedIn(app, admin).client, "visitor": app.test_client(),
                      "member": LoggedIn(app, alice).client}  # fmt: skip
    return world


def _rewards(admin: Any, alice: Any) -> dict[str, int]:
    """A reward alice can afford with a redemption waiting, a code reward, an archived one."""
    from app.badges.points import Award, record

    record(Award(alice.id, "reply_posted", "fuzz-reward-points", now_utc()), points=5000)
    values = {"title_en": "Mug", "title_fr": "Tasse", "cost": 1, "stock": None,
              "per_member_limit": None, "eligibility": "everyone", "eligibility_value": "",
              "delivery": "shipped"}  # fmt: skip
    reward = reward_catalog.create(admin, values, levels=5)
    coded = reward_catalog.create(admin, {**values, "delivery": "code"}, levels=5)
    archived = reward_catalog.create(admin, values, levels=5)
    reward_catalog.upload_codes(admin, coded.id, "CODE-1\nCODE-2\n")
    reward_catalog.set_archived(admin, archived.id, True)
    commit()
    redemption = redeeming.redeem(alice, reward.id)
    commit()
    return {"reward": reward.id, "coded_reward": coded.id, "archived_reward": archived.id,
            "redemption": redemption.id}  # fmt: skip


def _campaigns(admin: Any) -> dict[str, int]:
    """A campaign in each state, an offer, a survey with a question and a preview whose
    space is open (the staff console)."""
    deadline = now_utc() + timedelta(days=7)

    def make(kind: str = "event", **fields: Any) -> Any:
        return campaigns.create(admin, kind, title_en=f"Fuzz {kind}", reply_deadline=deadline,
                                **fields)  # fmt: skip

    draft, scheduled, busy, opened, closed, cancelled = (make() for _ in range(6))
    offer, survey, preview = make("offer"), make("survey"), make("preview")
    commit()
    spaces.open_space(admin, preview)
    campaigns.schedule(admin, scheduled, now_utc() + timedelta(days=1))
    for campaign in (opened, closed, cancelled):
        sending.send(campaign.id, actor_id=admin.id)
    commit()
    campaigns.close(admin, closed)
    campaigns.cancel(admin, cancelled, "Fuzz")
    busy.state = "sending"  # a state no service leaves a campaign in yet, shown all the same
    question = surveys.add_question(admin, survey.id, "single", "Which?", "Lequel ?",
                                    [{"en": "A", "fr": "A"}, {"en": "B", "fr": "B"}])  # fmt: skip
    surveys.add_question(admin, survey.id, "text", "Why?")
    commit()
    return {"draft_campaign": draft.id, "scheduled_campaign": scheduled.id,
            "open_campaign": opened.id, "closed_campaign": closed.id,
            "cancelled_campaign": cancelled.id, "sending_campaign": busy.id,
            "offer_campaign": offer.id, "survey_campaign": survey.id,
            "preview_campaign": preview.id, "question": question.id}  # fmt: skip


def _sent_campaign(admin: Any, alice: Any) -> Any:
    """An event for one seat, sent; alice has accepted (staff may check her in, or
    remove her)."""
    later = now_utc() + timedelta(days=7)
    campaign = campaigns.create(admin, "event", title_en="Tasting", title_fr="Dégustation",
                                reply_deadline=later, starts_at=later, capacity=1)  # fmt: skip
    campaigns.set_audience(admin, campaign, {})
    commit()
    sending.send(campaign.id, admin.id)
    commit()
    replies.reply(alice, _invitation_of(campaign.id, alice.id), "accept")
    commit()
    return campaign


def _sent_campaigns(admin: Any) -> tuple[Any, Any]:
    """A sent event and a sent survey with a question of every kind (every member invited)."""
    soon = now_utc() + timedelta(days=10)
    event = campaigns.create(admin, "event", title_en="Tasting", place="Lyon", starts_at=soon,
                             ends_at=soon + timedelta(hours=2), capacity=1,
                             reply_deadline=now_utc() + timedelta(days=7))  # fmt: skip
    survey = campaigns.create(admin, "survey", title_en="What next?",
                              reply_deadline=now_utc() + timedelta(days=7))  # fmt: skip
    choices = [{"en": "Light"}, {"en": "Dark"}]
    for kind in ("single", "multiple", "scale", "nps", "text"):
        surveys.add_question(admin, survey.id, kind, f"A {kind} question?", choices=choices)
    commit()
    sending.send(event.id)
    sending.send(survey.id)
    commit()
    return event, survey


def _invitation_of(campaign_id: int, user_id: int) -> int:
    return db.session.scalars(
        select(Invitation.id).where(
            Invitation.campaign_id == campaign_id, Invitation.user_id == user_id
        )
    ).one()


def _opening_post(topic_id: int) -> int:
    return db.session.scalars(
        select(Post.id).where(Post.topic_id == topic_id, Post.position == 0)
    ).one()


def json_body(fields: list[tuple[str, str]]) -> bytes:
    return json.dumps(dict(fields)).encode()
