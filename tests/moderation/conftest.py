import pytest

from app.core.events import commit
from app.core.permissions import grant


@pytest.fixture
def active_member(make_user, make_topic):
    """A member past the activity floor (one post)."""

    def make(username=None, helper=False):
        user = make_user(username)
        make_topic(user, title=f"A question from {user.username}")
        if helper:
            grant(user.id, "post.hide", "ambassador")
            commit()
        return user

    return make


@pytest.fixture
def flagged_answer(member, other_member, make_topic, make_answer):
    """An answer by ``other_member`` in a topic by ``member``."""
    topic = make_topic(member)
    return make_answer(other_member, topic, body="Buy cheap watches at example.com")
