"""A community builder for the ambassador tests: rows written directly, dated at will.

The ambassador job reads the forum's tables, not its events, so tests write topics,
answers and votes straight into the database with the dates they need.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.forum.models import Category, Post, PostVote, Topic

_titles = itertools.count(1)


class Community:
    """Adds members with a given activity; everything happens ``days_ago`` before now."""

    def __init__(self, make_user: Any, category: Category) -> None:
        self.make_user = make_user
        self.category = category
        self.now = now_utc()
        # Questions come from a staff account, so that only the members a test adds rank.
        self.asker = self.user("asker", joined_days_ago=400, role="staff")
        self._voters: list[User] = []

    def user(self, name: str | None = None, joined_days_ago: float = 365, **kw: Any) -> User:
        user = self.make_user(name, **kw)
        user.created_at = self.now - timedelta(days=joined_days_ago)
        commit()
        return user

    def voters(self, count: int) -> list[User]:
        while len(self._voters) < count:
            n = len(self._voters) + 1
            self._voters.append(self.user(f"voter{n}", joined_days_ago=400))
        return self._voters[:count]

    def question(self, at: datetime, author: User | None = None, kind: str = "question") -> Topic:
        author = author or self.asker
        topic = Topic(
            category_id=self.category.id,
            author_id=author.id,
            kind=kind,
            title=f"Question {next(_titles)}",
            created_at=at,
            last_posted_at=at,
            last_poster_id=author.id,
        )
        db.session.add(topic)
        db.session.flush()
        db.session.add(_post(topic, author, 0, at))
        return topic

    def answer(self, topic: Topic, author: User, at: datetime, position: int = 1) -> Post:
        post = _post(topic, author, position, at)
        db.session.add(post)
        db.session.flush()
        return post

    def vote(self, post: Post, voter: User, at: datetime) -> None:
        db.session.add(PostVote(post_id=post.id, user_id=voter.id, created_at=at))

    def member(
        self,
        name: str | None = None,
        *,
        answers: int = 3,
        accepted: int = 0,
        votes: int = 0,
        days_ago: float = 5,
        joined_days_ago: float = 365,
        **user: Any,
    ) -> User:
        """A member who answered ``answers`` questions, ``accepted`` of them accepted,
        each answer with ``votes`` helpful votes from established members."""
        member = self.user(name, joined_days_ago, **user)
        at = self.now - timedelta(days=days_ago)
        for n in range(answers):
            topic = self.question(at - timedelta(hours=1))
            post = self.answer(topic, member, at)
            if n < accepted:
                topic.accepted_post_id = post.id
            for voter in self.voters(votes):
                self.vote(post, voter, at)
        commit()
        return member


def _post(topic: Topic, author: User, position: int, at: datetime) -> Post:
    return Post(
        topic_id=topic.id,
        author_id=author.id,
        position=position,
        body_source="text",
        body_html="<p>text</p>",
        created_at=at,
    )


@pytest.fixture
def community(make_user: Any, category: Category) -> Community:
    return Community(make_user, category)


@pytest.fixture
def run_identify() -> Any:
    """Run the job through the scheduler (lease, job_runs); fails the test if it failed."""

    def run(as_of: datetime | None = None, **options: Any) -> Any:
        job_run = run_job("identify-ambassadors", as_of=as_of, **options)
        assert job_run.outcome == "success", job_run.error
        return job_run

    return run
