"""Moving, retagging, locking, pinning and closing topics as duplicates; the audit rows."""

from __future__ import annotations

from sqlalchemy import select

from app.core.events import commit
from app.extensions import db
from app.forum import services, solutions, topic_actions, voting
from app.forum.categories import create_category
from app.forum.deletion import delete_post
from app.forum.errors import ForumError
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
    other = create_category("Recipes", "recipes")
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
    delete_post(member, topic_opening(topic))
    commit()
    with pytest.raises(ForumError):
        topic_actions.lock_topic(moderator, fresh(Topic, topic.id))


def topic_opening(topic):
    from app.forum.models import Post

    return db.session.scalars(
        select(Post).where(Post.topic_id == topic.id, Post.position == 0)
    ).one()


def _positions(topic_id):
    from app.forum.models import Post

    return db.session.execute(
        select(Post.id, Post.position).where(Post.topic_id == topic_id).order_by(Post.position)
    ).all()


def test_merging_keeps_every_post_vote_and_point(
    app, login, member, other_member, moderator, make_topic, make_answer, category, client
):
    from app.badges import points
    from app.forum.models import Post

    keep = make_topic(member, title="Descaling the 300")
    make_answer(other_member, keep)
    gone = make_topic(other_member, title="How to descale?")
    answer = make_answer(member, gone)
    voting.vote(other_member, answer)
    solutions.accept_answer(other_member, gone, answer)
    commit()
    totals = {u.id: points.ledger_total(u.id) for u in (member, other_member)}
    moved = [post_id for post_id, _ in _positions(gone.id)]

    page = login(moderator).post(f"/t/{gone.id}/manage/merge", {"target": str(keep.id)})
    assert page.status_code == 302

    assert [post_id for post_id, _ in _positions(keep.id)][2:] == moved
    assert [position for _, position in _positions(keep.id)] == [0, 1, 2, 3]
    target = fresh(Topic, keep.id)
    assert target.reply_count == 3 and target.accepted_post_id == answer.id
    assert db.session.get(Post, answer.id, populate_existing=True).vote_count == 1
    assert {u.id: points.ledger_total(u.id) for u in (member, other_member)} == totals
    assert fresh(Category, category.id).topic_count == 1
    assert fresh(Category, category.id).post_count == 4
    assert client.get(f"/t/{gone.id}").status_code == 301
    assert client.get(f"/t/{gone.id}").location.endswith(f"/t/{keep.id}")
    assert app.test_cli_runner().invoke(args=["points", "verify"]).exit_code == 0
    assert ("topic.merge", moderator.id) in audit_actions()
    assert login(member).post(f"/t/{keep.id}/manage/merge", {"target": "1"}).status_code == 403


def test_splitting_moves_replies_into_a_new_topic(
    app, login, member, other_member, moderator, make_topic, make_answer, category
):
    from app.badges import points

    topic = make_topic(member, title="Milk frothing")
    first = make_answer(other_member, topic, body="Off topic: my grinder is loud")
    make_answer(member, topic, body="Back on milk: use whole milk")
    third = make_answer(member, topic, body="Grinder: clean the burrs")
    totals = {u.id: points.ledger_total(u.id) for u in (member, other_member)}
    browser = login(moderator)
    empty = browser.post(f"/t/{topic.id}/manage/split", {"title": "Noisy machine"})
    assert empty.status_code == 422 and "Choose the replies" in empty.get_data(as_text=True)
    done = browser.post(
        f"/t/{topic.id}/manage/split",
        {"title": "Noisy machine", "post_ids": [str(first.id), str(third.id)]},
    )
    assert done.status_code == 302
    new = db.session.scalars(select(Topic).where(Topic.title == "Noisy machine")).one()
    assert [post_id for post_id, _ in _positions(new.id)] == [first.id, third.id]
    assert [position for _, position in _positions(new.id)] == [0, 1]
    assert new.author_id == other_member.id and new.reply_count == 1
    assert fresh(Topic, topic.id).reply_count == 1
    assert fresh(Category, category.id).topic_count == 2
    assert fresh(Category, category.id).post_count == 4
    assert {u.id: points.ledger_total(u.id) for u in (member, other_member)} == totals
    results = browser.get("/search?q=noisy").get_data(as_text=True)
    assert f"/p/{first.id}" in results or f"/t/{new.id}" in results
