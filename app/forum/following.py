"""Who follows which topic: writing a post follows it, a member may change their mind."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.core.sql import insert_for
from app.extensions import db
from app.forum.models import Topic, TopicFollow


def follow_by_default(topic_id: int, user_id: int) -> None:
    """Follow a topic unless the member already chose (follow or unfollow)."""
    db.session.execute(
        insert_for(TopicFollow)
        .values(topic_id=topic_id, user_id=user_id, following=True)
        .on_conflict_do_nothing(index_elements=["topic_id", "user_id"])
    )


def set_following(user: User, topic: Topic, following: bool) -> None:
    """Follow or stop following; one row per member and topic, however many clicks."""
    statement = insert_for(TopicFollow).values(
        topic_id=topic.id, user_id=user.id, following=following
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["topic_id", "user_id"], set_={"following": following}
        )
    )


def follower_ids(topic_id: int, exclude: int) -> list[int]:
    """Who follows the topic, but ``exclude`` (the member whose post is announced)."""
    return list(
        db.session.scalars(
            select(TopicFollow.user_id).where(
                TopicFollow.topic_id == topic_id,
                TopicFollow.following.is_(True),
                TopicFollow.user_id != exclude,
            )
        )
    )
