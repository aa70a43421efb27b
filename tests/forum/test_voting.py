"""Helpful votes: one per member per post, retractable, never on one's own post."""

import pytest

from app.core.events import commit
from app.extensions import db
from app.forum import voting
from app.forum.errors import ForumError
from app.forum.models import PostVote


def test_votes_are_one_per_member_retractable_and_never_on_own_post(
    member, other_member, make_topic, make_answer
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    assert voting.vote(member, answer) is True
    assert voting.vote(member, answer) is False
    commit()
    db.session.refresh(answer)
    assert answer.vote_count == 1
    with pytest.raises(ForumError, match="own post"):
        voting.vote(other_member, answer)
    assert voting.retract_vote(member, answer) is True
    commit()
    db.session.refresh(answer)
    assert answer.vote_count == 0 and db.session.query(PostVote).count() == 0
