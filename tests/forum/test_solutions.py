"""A question's solution: chosen by its author or a moderator, changed, never on a discussion."""

import pytest

from app.core import events
from app.core.events import commit
from app.forum import solutions
from app.forum.errors import Forbidden, ForumError


def test_accept_answer_by_author_or_moderator_and_change_it(
    member, other_member, moderator, make_user, make_topic, make_answer
):
    topic = make_topic(member)
    first = make_answer(other_member, topic)
    second = make_answer(make_user("third"), topic)
    with pytest.raises(Forbidden):
        solutions.accept_answer(other_member, topic, first)
    sent = []

    def record(event):
        sent.append((event.post_id, "accepted"))

    def record_un(event):
        sent.append((event.post_id, "unaccepted"))

    events.answer_accepted.connect(record)
    events.answer_unaccepted.connect(record_un)
    try:
        solutions.accept_answer(member, topic, first)
        commit()
        solutions.accept_answer(moderator, topic, second)
        commit()
    finally:
        events.answer_accepted.disconnect(record)
        events.answer_unaccepted.disconnect(record_un)
    assert topic.accepted_post_id == second.id
    assert sent == [(first.id, "accepted"), (first.id, "unaccepted"), (second.id, "accepted")]


def test_discussions_have_no_solution(member, other_member, make_topic, make_answer):
    topic = make_topic(member, kind="discussion")
    answer = make_answer(other_member, topic)
    with pytest.raises(ForumError, match="Only questions"):
        solutions.accept_answer(member, topic, answer)
