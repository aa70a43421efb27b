"""Counting views is best effort: a failed count never fails the page."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import text

from app.extensions import db
from app.forum.models import Topic
from app.forum.view_counter import current_buffer
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


def test_a_view_count_write_gives_up_on_a_topic_row_another_transaction_holds(
    app, member, make_topic, caplog
):
    """The flush never waits for ever (its own request's session may hold the row)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks and lock_timeout are PostgreSQL's; SQLite has a busy timeout")
    topic = make_topic(member, title="Milk frothing")
    topic_id = topic.id
    db.session.commit()
    buffer = current_buffer()
    holder = db.engine.connect()
    holder_transaction = holder.begin()
    holder.execute(text("SELECT 1 FROM topics WHERE id = :id FOR UPDATE"), {"id": topic_id})
    result: list[int] = []
    try:
        with caplog.at_level(logging.WARNING, logger="app.forum.view_counter"):
            app.config.update(VIEW_FLUSH_EVERY_VIEWS=1000, VIEW_FLUSH_EVERY_SECONDS=3600)
            for _ in range(3):  # three views gathered, none written yet
                buffer.record(topic_id)
            worker = threading.Thread(target=lambda: _flush_in(app, buffer, result))
            worker.start()
            worker.join(60)
            assert not worker.is_alive(), "the view count write waited on the locked row"
    finally:
        holder_transaction.rollback()
        holder.close()
    assert result == [0]
    assert "view counts not written" in caplog.text


def _flush_in(app, buffer, result):
    with app.app_context():
        result.append(buffer.flush())
