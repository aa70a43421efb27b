"""A believable demo community for Caféo, a fictional French coffee-machine brand.

Everything is planned in memory from one ``random.Random(seed)``, written with bulk
inserts (the database assigns every id), then every denormalised counter is recomputed
with set-based SQL. The plan (and its texts) is plan.py; the counters and the
summary are counts.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import insert, select, update

from app.accounts.models import User
from app.accounts.services import hash_password
from app.core.clock import now_utc
from app.core.permissions import CapabilityGrant
from app.core.text import cook, search_normal_form
from app.demo.content import BIOS, CATEGORIES, LOUNGE
from app.demo.counts import DemoSummary, recount, summarize
from app.demo.plan import (
    DAYS,
    DEMO_ACCOUNTS,
    PlannedMember,
    PlannedTopic,
    body,
    plan_members,
    plan_topics,
    title,
)
from app.extensions import db
from app.forum.models import Category, Post, PostVote, Tag, Topic, TopicFollow, topic_tags

PASSWORD = "tribune-demo-2026"
BATCH = 250  # topics (with their posts) per round trip

Progress = Callable[[str, int], AbstractContextManager[Any]]
"""Takes a label and a length; gives a context manager whose value has ``update(n)``."""


class _NullBar:
    def update(self, n: int) -> None:
        pass


@contextmanager
def no_progress(label: str, length: int) -> Iterator[_NullBar]:
    """A progress reporter that reports nothing."""
    yield _NullBar()


def database_has_data() -> bool:
    """Whether any category or topic exists (the seeder then does nothing)."""
    return any(db.session.scalar(select(m.id).limit(1)) is not None for m in (Category, Topic))


def seed_demo(
    users: int = 300,
    seed: int = 2026,
    progress: Progress = no_progress,
    now: datetime | None = None,
) -> DemoSummary | None:
    """Fill an empty forum with a demo community; None if it already holds data.

    One transaction, committed by the caller.
    """
    if database_has_data():
        return None
    rng = random.Random(seed)
    now = now or now_utc()
    try:
        members, top = plan_members(rng, max(users, 10))
        topics = plan_topics(rng, members, top, now)
        _insert_members(rng, members, top, now, progress)
        category_ids, tag_ids = _insert_categories(now)
        writer = _Writer(rng, members, top, category_ids, tag_ids, now)
        with progress("Creating topics", len(topics)) as bar:
            for start in range(0, len(topics), BATCH):
                writer.write(topics[start : start + BATCH])
                bar.update(len(topics[start : start + BATCH]))
        recount()
        summary = summarize()
    except BaseException:
        db.session.rollback()
        raise
    created = {m.username for m in members}
    summary.logins = [(name, role) for name, role in DEMO_ACCOUNTS if name in created]
    return summary


def _random_ip(rng: random.Random) -> str:
    return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _insert_members(
    rng: random.Random, members: list[PlannedMember], top: int, now: datetime, progress: Progress
) -> None:
    """Insert every member with one shared password hash; ids come back in order."""
    password_hash = hash_password(PASSWORD)
    shared_ips = [_random_ip(rng) for _ in range(3)]
    rows = []
    for member in members:
        first = member.first_post or now - timedelta(days=rng.uniform(1, DAYS))
        created = first - timedelta(hours=rng.uniform(1, 24 * 40))
        seen = now - (now - created) * rng.random() ** 4
        rows.append(
            {
                "username": member.username,
                "username_key": member.username.lower(),
                "email": f"{member.username.lower()}@example.com",
                "password_hash": password_hash,
                "role": member.role,
                "bio": rng.choice(BIOS[member.locale or "fr"]) if rng.random() < 0.35 else "",
                "locale": member.locale,
                "registration_ip": rng.choice(shared_ips)
                if rng.random() < 0.03
                else _random_ip(rng),
                "created_at": created,
                "last_seen_at": max(seen, member.first_post or created),
            }
        )
    with progress("Creating members", len(rows)) as bar:
        for start in range(0, len(rows), 1000):
            batch = rows[start : start + 1000]
            stmt = insert(User).returning(User.id, sort_by_parameter_order=True)
            for member, user_id in zip(
                members[start:], db.session.scalars(stmt, batch), strict=False
            ):
                member.id = user_id
            bar.update(len(batch))
    grants = [
        {"user_id": m.id, "capability": LOUNGE, "source": "demo", "granted_at": now}
        for m in members[:top]
    ]
    db.session.execute(insert(CapabilityGrant), grants)


def _insert_categories(now: datetime) -> tuple[list[int], dict[str, int]]:
    rows = [
        {
            "name": c["name"],
            "slug": c["slug"],
            "description": c["description"],
            "position": i * 10,
            "required_capability": c["capability"],
            "created_at": now - timedelta(days=DAYS + 30),
        }
        for i, c in enumerate(CATEGORIES)
    ]
    stmt = insert(Category).returning(Category.id, sort_by_parameter_order=True)
    category_ids = list(db.session.scalars(stmt, rows))
    names = sorted({tag for c in CATEGORIES for tag in c["tags"]})
    stmt = insert(Tag).returning(Tag.id, sort_by_parameter_order=True)
    tag_ids = db.session.scalars(stmt, [{"name": name} for name in names])
    return category_ids, dict(zip(names, tag_ids, strict=True))


class _Writer:
    """Writes batches of planned topics: topics, posts, tags, follows, solutions, votes."""

    def __init__(
        self,
        rng: random.Random,
        members: list[PlannedMember],
        top: int,
        category_ids: list[int],
        tag_ids: dict[str, int],
        now: datetime,
    ) -> None:
        self.rng, self.members, self.top, self.now = rng, members, top, now
        self.category_ids, self.tag_ids = category_ids, tag_ids
        self.lounge = list(range(top)) + [i for i, m in enumerate(members) if m.role != "member"]
        usernames = {m.username for m in members}
        with current_app.test_request_context():
            link = url_for("accounts.profile", username="NAME")
        self.resolve: Callable[[Iterable[str]], dict[str, str]] = lambda names: {
            name: link.replace("NAME", name) for name in names if name in usernames
        }

    def write(self, topics: list[PlannedTopic]) -> None:
        rng, members = self.rng, self.members
        titles = [title(rng, t) for t in topics]
        rows = [
            {
                "category_id": self.category_ids[t.category],
                "author_id": members[t.authors[0]].id,
                "kind": t.kind,
                "title": title_,
                "pinned": CATEGORIES[t.category]["staff_only"] and rng.random() < 0.25,
                "view_count": int(len(t.authors) * rng.uniform(8, 60)),
                "created_at": t.times[0],
                "last_posted_at": t.times[0],
            }
            for t, title_ in zip(topics, titles, strict=True)
        ]
        stmt = insert(Topic).returning(Topic.id, sort_by_parameter_order=True)
        topic_ids = list(db.session.scalars(stmt, rows))
        posts, tags, follows, plan = [], [], [], []
        for topic, topic_id, title_ in zip(topics, topic_ids, titles, strict=True):
            names = CATEGORIES[topic.category]["tags"]
            for name in rng.sample(names, rng.randint(1, 3)):
                tags.append({"topic_id": topic_id, "tag_id": self.tag_ids[name]})
            asker = members[topic.authors[0]].username
            for position, (author, at) in enumerate(zip(topic.authors, topic.times, strict=True)):
                source = body(rng, topic, position, asker, author == topic.authors[0])
                heading = title_ if position == 0 else ""
                posts.append(
                    {
                        "topic_id": topic_id,
                        "author_id": members[author].id,
                        "position": position,
                        "body_source": source,
                        "body_html": cook(source, self.resolve),
                        "search_text": search_normal_form(f"{heading} {source}"),
                        "search_title": search_normal_form(heading),
                        "created_at": at,
                    }
                )
                plan.append((topic, topic_id, position, author, at))
                if author not in topic.authors[:position]:
                    follows.append({"topic_id": topic_id, "user_id": members[author].id})
        stmt = insert(Post).returning(Post.id, sort_by_parameter_order=True)
        post_ids = list(db.session.scalars(stmt, posts))
        db.session.execute(insert(topic_tags), tags)
        db.session.execute(insert(TopicFollow), follows)
        accepted = self._solutions(plan, post_ids)
        self._votes(plan, post_ids, accepted)

    def _solutions(self, plan: list[Any], post_ids: list[int]) -> set[int]:
        """Mark an answer (not by the asker) as the solution of about half the questions."""
        answers: dict[int, list[tuple[int, int]]] = {}
        for (topic, topic_id, position, author, _at), post_id in zip(plan, post_ids, strict=True):
            if topic.kind == "question" and position > 0 and author != topic.authors[0]:
                answers.setdefault(topic_id, []).append((post_id, author))
        rows = []
        for topic_id, candidates in answers.items():
            if self.rng.random() < 0.56:
                weights = [4 if author < self.top else 1 for _, author in candidates]
                post_id = self.rng.choices(candidates, weights)[0][0]
                rows.append({"id": topic_id, "accepted_post_id": post_id})
        if rows:
            db.session.execute(update(Topic), rows)
        return {row["accepted_post_id"] for row in rows}

    def _votes(self, plan: list[Any], post_ids: list[int], accepted: set[int]) -> None:
        """Helpful votes, one per member per post, never on one's own post."""
        rng, rows = self.rng, []
        for (topic, _topic_id, position, author, at), post_id in zip(plan, post_ids, strict=True):
            count = int(rng.expovariate(1 / (0.6 if position == 0 else 1.0)))
            if post_id in accepted:
                count += rng.randint(2, 7)
            if author < self.top and rng.random() < 0.5:
                count += rng.randint(1, 3)
            voters = self.lounge if topic.restricted else range(len(self.members))
            chosen = [v for v in rng.sample(voters, min(count + 1, len(voters))) if v != author]
            age = (self.now - at).total_seconds()
            for voter in chosen[:count]:
                delay = min(rng.expovariate(1 / 129600), age * 0.99)
                rows.append(
                    {
                        "post_id": post_id,
                        "user_id": self.members[voter].id,
                        "created_at": at + timedelta(seconds=delay),
                    }
                )
        if rows:
            db.session.execute(insert(PostVote), rows)
