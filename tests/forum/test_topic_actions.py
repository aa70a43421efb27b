"""Moving, retagging, locking, pinning and closing topics as duplicates; the audit rows."""

from __future__ import annotations

from sqlalchemy import select

from app.core.events import commit
from app.extensions import db
from app.forum import services, topic_actions
from app.forum.models import Category, Topic
from app.moderation.models import AuditEntry


def audit_actions() -> list[tuple[str, int | None]]:
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    return [(row.action, row.actor_id) for row in rows]


def fresh(model, ident):
    return db.session.get(model, ident, populate_existing=True)


def test_moving_a_topic_moves_its_counts_and_is_logged(
    app, login, member, moderator, make_topic, make_answer, category
):
    other = services.create_category("Recipes", "recipes")
    commit()
    topic = make_topic(member)
    make_answer(moderator, topic)
    page = login(moderator).post(
        f"/t/{topic.id}/manage/move", {"category": other.id, "reason": "Belongs there"}
    )
    assert page.status_code == 302
    assert fresh(Topic, topic.id).category_id == other.id
    assert (fresh(Category, category.id).topic_count, fresh(Category, category.id).post_count) == (
        0,
        0,
    )
    assert (fresh(Category, other.id).topic_count, fresh(Category, other.id).post_count) == (1, 2)
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_id, entry.reason) == (
        "topic.move",
        moderator.id,
        "Belongs there",
    )
    assert entry.before == {"category_id": category.id}
    assert entry.after == {"category_id": other.id}


def test_members_cannot_manage_topics(app, login, member, other_member, make_topic):
    topic = make_topic(member)
    browser = login(other_member)
    assert browser.get(f"/t/{topic.id}/manage").status_code == 403
    assert browser.post(f"/t/{topic.id}/manage/lock").status_code == 403
    assert not fresh(Topic, topic.id).locked


def test_lock_pin_and_retag_from_the_manage_page(app, login, member, moderator, make_topic):
    topic = make_topic(member, tags="milk")
    browser = login(moderator)
    assert browser.get(f"/t/{topic.id}/manage").status_code == 200
    browser.post(f"/t/{topic.id}/manage/lock", {"reason": "Heated"})
    browser.post(f"/t/{topic.id}/manage/pin")
    browser.post(f"/t/{topic.id}/manage/retag", {"tags": "milk, frothing"})
    found = fresh(Topic, topic.id)
    assert found.locked and found.pinned
    assert [tag.name for tag in found.tags] == ["frothing", "milk"]
    assert [action for action, _ in audit_actions()] == ["topic.lock", "topic.pin", "topic.retag"]
    bad = browser.post(f"/t/{topic.id}/manage/retag", {"tags": "no spaces allowed!"})
    assert bad.status_code == 422
    assert [tag.name for tag in fresh(Topic, topic.id).tags] == ["frothing", "milk"]


def test_closing_as_a_duplicate_locks_and_points_to_the_original(
    app, login, member, moderator, make_topic, client
):
    original = make_topic(member, title="How do I descale the Caféo 300?")
    copy = make_topic(member, title="Descaling the 300")
    browser = login(moderator)
    refused = browser.post(f"/t/{copy.id}/manage/duplicate", {"original": str(copy.id)})
    assert refused.status_code == 422
    assert "cannot duplicate itself" in refused.get_data(as_text=True)
    done = browser.post(
        f"/t/{copy.id}/manage/duplicate", {"original": f"http://x/t/{original.id}/how-do-i"}
    )
    assert done.status_code == 302
    found = fresh(Topic, copy.id)
    assert found.duplicate_of_id == original.id and found.locked
    page = client.get(f"/t/{copy.id}").get_data(as_text=True)
    assert "Closed as a duplicate of" in page and "How do I descale the Caféo 300?" in page
    # The original cannot become a duplicate of its own duplicate.
    loop = browser.post(f"/t/{original.id}/manage/duplicate", {"original": str(copy.id)})
    assert loop.status_code == 422
    browser.post(f"/t/{copy.id}/manage/reopen")
    reopened = fresh(Topic, copy.id)
    assert reopened.duplicate_of_id is None and not reopened.locked
    assert [a for a, _ in audit_actions()] == ["topic.close_duplicate", "topic.reopen"]


def test_an_edit_of_someone_elses_post_is_logged_but_not_ones_own(
    app, member, moderator, make_topic, make_answer
):
    topic = make_topic(member)
    answer = make_answer(member, topic)
    services.edit_post(member, answer, body="My own fix.", reason="typo")
    commit()
    assert audit_actions() == []
    services.edit_post(moderator, answer, body="A clearer fix.", reason="clarity")
    commit()
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_id, entry.target_id, entry.reason) == (
        "post.edit", moderator.id, answer.id, "clarity"
    )  # fmt: skip


def test_topic_actions_refuse_deleted_topics(app, member, moderator, make_topic):
    import pytest

    topic = make_topic(member)
    services.delete_post(member, topic_opening(topic))
    commit()
    with pytest.raises(services.ForumError):
        topic_actions.lock_topic(moderator, fresh(Topic, topic.id))


def topic_opening(topic):
    from app.forum.models import Post

    return db.session.scalars(
        select(Post).where(Post.topic_id == topic.id, Post.position == 0)
    ).one()
