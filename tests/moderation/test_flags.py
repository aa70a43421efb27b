import pytest
from sqlalchemy import func, select

from app.core.events import commit
from app.extensions import db
from app.forum.models import Post
from app.moderation import services
from app.moderation.models import AuditEntry, Flag
from app.moderation.services import ModerationError


def _post(post_id):
    db.session.expire_all()
    return db.session.get(Post, post_id)


def test_a_member_cannot_flag_their_own_post(active_member, make_topic):
    author = active_member()
    topic = make_topic(author)
    opening = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    with pytest.raises(ModerationError) as error:
        services.flag_post(author, opening, "spam")
    assert error.value.status == 403


def test_once_per_post_per_member(active_member, flagged_answer):
    flagger = active_member()
    services.flag_post(flagger, flagged_answer, "spam")
    commit()
    with pytest.raises(ModerationError) as error:
        services.flag_post(flagger, flagged_answer, "offensive")
    assert error.value.status == 409
    db.session.rollback()
    assert db.session.scalar(select(func.count(Flag.id))) == 1


def test_members_below_the_activity_floor_cannot_flag(make_user, flagged_answer):
    newcomer = make_user()
    with pytest.raises(ModerationError) as error:
        services.flag_post(newcomer, flagged_answer, "spam")
    assert error.value.status == 403


def test_moderators_are_exempt_from_the_floor(moderator, flagged_answer):
    services.flag_post(moderator, flagged_answer, "spam")
    commit()


def test_daily_limit(app, active_member, make_topic, make_answer, other_member):
    app.config["FLAGS_PER_DAY"] = 2
    flagger = active_member()
    topic = make_topic(other_member)
    answers = [make_answer(other_member, topic, body=f"Answer {n}") for n in range(3)]
    services.flag_post(flagger, answers[0], "spam")
    services.flag_post(flagger, answers[1], "spam")
    commit()
    with pytest.raises(ModerationError) as error:
        services.flag_post(flagger, answers[2], "spam")
    assert error.value.status == 429


def test_other_needs_a_note(active_member, flagged_answer):
    with pytest.raises(ModerationError):
        services.flag_post(active_member(), flagged_answer, "other", "  ")


def test_weights(active_member, moderator, flagged_answer, app):
    assert services.flag_weight(active_member()) == 1.0
    assert services.flag_weight(active_member(helper=True)) == 2.0
    assert services.flag_weight(moderator) == app.config["FLAG_HIDE_THRESHOLD"]


def test_three_members_flags_hide_the_post(active_member, flagged_answer):
    post_id = flagged_answer.id
    for n in range(3):
        services.flag_post(active_member(), _post(post_id), "spam")
        commit()
        hidden = _post(post_id).hidden_at is not None
        assert hidden == (n == 2)
    assert _post(post_id).hidden_reason == "flags"
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert actions == {"flag.create", "post.auto_hide"}


def test_a_helper_and_a_member_hide_the_post(active_member, flagged_answer):
    post_id = flagged_answer.id
    services.flag_post(active_member(helper=True), _post(post_id), "spam")
    commit()
    assert _post(post_id).hidden_at is None
    services.flag_post(active_member(), _post(post_id), "spam")
    commit()
    assert _post(post_id).hidden_at is not None


def test_a_moderators_flag_hides_at_once(moderator, flagged_answer):
    services.flag_post(moderator, flagged_answer, "offensive")
    commit()
    assert _post(flagged_answer.id).hidden_at is not None
