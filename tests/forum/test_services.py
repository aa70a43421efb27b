import pytest

from app.core.events import commit
from app.extensions import db
from app.forum import services, solutions
from app.forum.categories import create_category
from app.forum.deletion import delete_post, restore_post
from app.forum.errors import Forbidden, ForumError, NotFound
from app.forum.models import Category, Post, PostRevision, Topic


def test_create_topic_cooks_and_counts(member, category):
    topic = services.create_topic(
        member, category, title="  Milk   frother? ", body="It **hisses**", tags="Latte, mousseur"
    )
    commit()
    opening = db.session.query(Post).filter_by(topic_id=topic.id, position=0).one()
    assert topic.title == "Milk frother?"
    assert opening.body_html == "<p>It <strong>hisses</strong></p>\n"
    assert [t.name for t in topic.tags] == ["latte", "mousseur"]
    db.session.refresh(category)
    assert (category.topic_count, category.post_count) == (1, 1)


@pytest.mark.parametrize(
    ("title", "body", "tags", "field"),
    [
        ("", "body", "", "title"),
        ("x" * 201, "body", "", "title"),
        ("Title", "   ", "", "body"),
        ("Title", "x" * 32_001, "", "body"),
        ("Title", "body", "a b c d e f", "tags"),
        ("Title", "body", "bad<tag>", "tags"),
    ],
)
def test_bad_topic_input_is_a_field_error_and_writes_nothing(
    member, category, title, body, tags, field
):
    with pytest.raises(ForumError) as caught:
        services.create_topic(member, category, title=title, body=body, tags=tags)
    db.session.rollback()
    assert caught.value.field == field
    assert db.session.query(Topic).count() == 0
    assert db.session.query(Post).count() == 0


def test_restricted_category_is_not_found_for_members(member, moderator):
    lounge = create_category("Lounge", "lounge", required_capability="category.lounge")
    commit()
    with pytest.raises(NotFound):
        services.create_topic(member, lounge, title="Hi", body="there")
    assert services.create_topic(moderator, lounge, title="Hi", body="there").id


def test_reply_numbers_posts_and_updates_counters(member, other_member, make_topic):
    topic = make_topic(member)
    first = services.reply(other_member, topic, body="First")
    second = services.reply(member, topic, body="Second")
    commit()
    assert (first.position, second.position) == (1, 2)
    db.session.refresh(topic)
    assert topic.reply_count == 2 and topic.last_poster_id == member.id


def test_locked_topic_refuses_replies_except_moderators(
    member, other_member, moderator, make_topic
):
    topic = make_topic(member)
    topic.locked = True
    commit()
    with pytest.raises(ForumError, match="locked") as caught:
        services.reply(other_member, topic, body="Hello")
    assert caught.value.status == 403
    assert services.reply(moderator, topic, body="Closing note").id


def test_edit_keeps_revisions_and_checks_rights(member, other_member, moderator, make_topic):
    topic = make_topic(member, title="Old title", body="Old body")
    opening = db.session.query(Post).filter_by(topic_id=topic.id, position=0).one()
    with pytest.raises(Forbidden):
        services.edit_post(other_member, opening, body="Vandalism")
    services.edit_post(member, opening, body="New body", title="New title", reason="typo")
    commit()
    services.edit_post(moderator, opening, body="Moderated body")
    commit()
    revisions = db.session.query(PostRevision).order_by(PostRevision.number).all()
    assert [(r.number, r.title, r.body_source) for r in revisions] == [
        (1, "Old title", "Old body"),
        (2, "New title", "New body"),
    ]
    assert opening.body_source == "Moderated body" and opening.edit_count == 2
    assert topic.title == "New title"


def test_deleting_accepted_answer_unaccepts_and_deleting_opening_post_removes_topic(
    member, other_member, make_topic, make_answer, category
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    solutions.accept_answer(member, topic, answer)
    commit()
    delete_post(other_member, answer)
    commit()
    assert topic.accepted_post_id is None and topic.reply_count == 0
    assert answer.deleted_at is not None, "soft delete keeps the row"
    opening = db.session.query(Post).filter_by(topic_id=topic.id, position=0).one()
    with pytest.raises(Forbidden):
        delete_post(other_member, opening)
    delete_post(member, opening)
    commit()
    assert topic.deleted_at is not None
    db.session.refresh(category)
    assert (category.topic_count, category.post_count) == (0, 0)


def test_moderator_restores_a_deleted_post(
    member, other_member, moderator, make_topic, make_answer
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    delete_post(moderator, answer)
    commit()
    with pytest.raises(Forbidden):
        restore_post(other_member, answer)
    restore_post(moderator, answer)
    commit()
    assert answer.deleted_at is None and topic.reply_count == 1


def test_category_slug_is_unique(category):
    with pytest.raises(ForumError) as caught:
        create_category("Help again", "help")
    assert caught.value.field == "slug"
    assert db.session.query(Category).count() == 1
