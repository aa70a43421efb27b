import dataclasses

import pytest

from app.accounts import services
from app.core import event_payloads, events
from app.core.clock import now_utc
from app.core.event_payloads import TopicCreated, UserRegistered
from app.extensions import db


def test_events_are_sent_after_commit_only(app):
    received = []

    def listener(event):
        received.append(event.username)

    events.user_registered.connect(listener)
    try:
        services.create_user("carol", "carol@example.com", "a-long-secret-phrase")
        assert received == [], "nothing is sent before the commit"
        events.commit()
        assert received == ["carol"]

        services.create_user("dave", "dave@example.com", "a-long-secret-phrase")
        db.session.rollback()
        events.commit()
        assert received == ["carol"], "a rolled-back change sends nothing"
    finally:
        events.user_registered.disconnect(listener)


def test_every_signal_carries_one_frozen_documented_payload_class():
    assert set(events.signals.values()) == set(events.SIGNALS.values())
    assert len(set(events.SIGNALS.values())) == len(events.SIGNALS)
    payload_classes = {
        value
        for value in vars(event_payloads).values()
        if isinstance(value, type) and value.__module__ == event_payloads.__name__
    }
    assert payload_classes == set(events.SIGNALS)
    for payload in events.SIGNALS:
        params = payload.__dataclass_params__
        assert dataclasses.is_dataclass(payload) and params.frozen, payload
        assert all(field.kw_only for field in dataclasses.fields(payload)), payload
        # Its own docstring, not the signature dataclass writes when there is none.
        assert payload.__doc__ and not payload.__doc__.startswith(payload.__name__ + "(")


def test_a_payload_takes_exactly_its_fields(app):
    fields = {"user_id": 1, "username": "carol", "registration_ip": None, "created_at": now_utc()}
    with pytest.raises(TypeError, match="mentioned_user_ids"):
        events.queue(UserRegistered(**fields, mentioned_user_ids=()))
    with pytest.raises(TypeError, match="created_at"):
        events.queue(UserRegistered(**{k: v for k, v in fields.items() if k != "created_at"}))
    with pytest.raises(TypeError, match="not an event payload"):
        events.queue(dict(fields))
    with pytest.raises(dataclasses.FrozenInstanceError):
        UserRegistered(**fields).username = "dave"  # type: ignore[misc]
    assert db.session.info.get("tribune.pending_events", []) == []


def test_handlers_and_listeners_receive_the_senders_payload(app, member, other_member, category):
    from app.forum import services as forum_services

    handled, heard = [], []
    events.handle_in_transaction(app, TopicCreated, handled.append)  # this test's app only
    events.topic_created.connect(heard.append, weak=False)
    try:
        topic = forum_services.create_topic(
            member, category, title="Descaling with vinegar?", body="Hi @bruno, any idea?"
        )
        events.commit()
    finally:
        events.topic_created.disconnect(heard.append)
    assert handled == heard
    (event,) = heard
    assert isinstance(event, TopicCreated)
    assert (event.topic_id, event.author_id, event.kind) == (topic.id, member.id, topic.kind)
    assert event.mentioned_user_ids == (other_member.id,)


def test_an_after_commit_handler_works_in_a_transaction_of_its_own(app, caplog):
    from app.accounts.models import User

    def broken(event):
        raise RuntimeError("after-commit handler down")

    def rename(event):
        db.session.get(User, event.user_id).bio = "welcomed"

    events.handle_after_commit(app, UserRegistered, broken)
    events.handle_after_commit(app, UserRegistered, rename)
    user_id = services.create_user("erin", "erin@example.com", "a-long-secret-phrase").id
    events.commit()
    db.session.remove()
    stored = db.session.get(User, user_id)
    assert stored is not None, "the change is stored whatever a handler after it does"
    assert stored.bio == "welcomed", "the next handler ran, and its work was committed"
    assert "after-commit handler down" in caplog.text
