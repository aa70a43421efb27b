"""Counting views is best effort: a failed count never fails the page."""

from __future__ import annotations

import logging

from app.extensions import db
from app.forum.models import Topic
from tests.support import failing_statements


def test_a_failed_view_count_write_leaves_the_topic_page_working(
    app, client, login, member, other_member, make_topic, caplog
):
    app.config["VIEW_FLUSH_EVERY_VIEWS"] = 1  # every view writes, so every view fails
    topic = make_topic(member, title="Descaling the grinder")
    reader = login(other_member)
    with (
        caplog.at_level(logging.WARNING, logger="app.forum.view_counter"),
        failing_statements(db.engine, "UPDATE topics SET view_count") as failed,
    ):
        visitor_page = client.get(f"/t/{topic.id}")
        member_page = reader.get(f"/t/{topic.id}")
    assert failed, "the view count write was never tried"
    assert visitor_page.status_code == 200 and "Descaling the grinder" in visitor_page.text
    assert member_page.status_code == 200 and "Descaling the grinder" in member_page.text
    assert "view counts not written" in caplog.text
    # The disk has room again: counting goes on.
    assert client.get(f"/t/{topic.id}").status_code == 200
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).view_count >= 1
