"""A believable demo community for Caféo, a fictional French coffee-machine brand.

Everything is planned in memory from one ``random.Random(seed)``, written with bulk
inserts (the database assigns every id), then every denormalised counter is recomputed
with set-based SQL. The texts (about 70% French, 30% English) are at the end.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import desc, func, insert, select, update

from app.accounts.models import User
from app.accounts.services import hash_password
from app.core.clock import now_utc
from app.core.permissions import CapabilityGrant
from app.core.text import cook, search_normal_form
from app.demo.content import (
    BIOS,
    CATEGORIES,
    COMMON,
    FIRST_NAMES,
    LAST_NAMES,
    LOUNGE,
    MODELS,
)
from app.extensions import db
from app.forum.models import Category, Post, PostVote, Tag, Topic, TopicFollow, topic_tags

PASSWORD = "tribune-demo-2026"
DEMO_ACCOUNTS = (
    ("demo-admin", "admin"),
    ("demo-moderator", "moderator"),
    ("demo-staff", "staff"),
    ("demo-member", "member"),
)
POSTS_PER_MEMBER = 5
DAYS = 180
BATCH = 250  # topics (with their posts) per round trip

Progress = Callable[[str, int], AbstractContextManager[Any]]
"""Takes a label and a length; gives a context manager whose value has ``update(n)``."""


@dataclass
class DemoSummary:
    """What the seeder wrote, counted back from the database."""

    members: int
    categories: int
    topics: int
    posts: int
    votes: int
    accepted: int
    top_members: int
    top_share: float
    logins: list[tuple[str, str]] = field(default_factory=list)


class _NullBar:
    def update(self, n: int) -> None:
        pass


@contextmanager
def no_progress(label: str, length: int) -> Iterator[_NullBar]:
    """A progress reporter that reports nothing."""
    yield _NullBar()


@dataclass
class _Member:
    username: str
    role: str = "member"
    locale: str | None = "fr"
    id: int = 0
    first_post: datetime | None = None


@dataclass(eq=False)
class _Topic:
    category: int
    kind: str
    replies: int
    authors: list[int] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    lang: str = "fr"
    model: str = ""
    code: str = ""

    @property
    def restricted(self) -> bool:
        return CATEGORIES[self.category]["capability"] is not None


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
        members, top = _plan_members(rng, max(users, 10))
        topics = _plan_topics(rng, members, top, now)
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


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _username(rng: random.Random, taken: set[str]) -> str:
    """A realistic, unique username such as camille.r, julien_84 or sophie-m."""
    while True:
        first = _ascii(rng.choice(FIRST_NAMES))
        last = _ascii(rng.choice(LAST_NAMES))
        name = rng.choice(
            (
                f"{first}.{last[0]}",
                f"{first}_{rng.randint(10, 99)}",
                f"{first}-{last[0]}",
                f"{first}{rng.randint(1, 9999)}",
                f"{first}.{last}",
                f"{first[0]}{last}{rng.randint(1, 99)}",
                f"{first}_{last}",
            )
        )
        if rng.random() < 0.08:
            name = name.capitalize()
        if name.lower() not in taken:
            taken.add(name.lower())
            return name


def _apportion(weights: list[float], total: int) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _plan_members(rng: random.Random, n: int) -> tuple[list[_Member], int]:
    """Members in activity rank order (most active first) and the size of the top 1%."""
    top = math.ceil(n / 100)
    # Only a few accounts (an admin) exist before seeding: avoid their usernames.
    existing = set(db.session.scalars(select(User.username_key)).all()) if _any_user() else set()
    taken = existing | {name for name, _ in DEMO_ACCOUNTS}
    generated = [_Member(_username(rng, taken)) for _ in range(n - len(DEMO_ACCOUNTS))]
    for member in generated:
        roll = rng.random()
        member.locale = "fr" if roll < 0.62 else "en" if roll < 0.9 else None
    tail = generated[top:]
    for offset, (name, role) in zip((40, 3, 8, 20), DEMO_ACCOUNTS, strict=True):
        if name not in existing:
            tail.insert(min(offset, len(tail)), _Member(name, role, "fr"))
    return generated[:top] + tail, top


def _any_user() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def _plan_topics(
    rng: random.Random, members: list[_Member], top: int, now: datetime
) -> list[_Topic]:
    """Topics with categories, kinds, heavy-tailed authors and ordered timestamps."""
    n = len(members)
    weights = [c["weight"] for c in CATEGORIES]
    replies = _apportion([rng.lognormvariate(0, 0.8) for _ in range(n)], n * (POSTS_PER_MEMBER - 1))
    topics = []
    for count in replies:
        category = rng.choices(range(len(CATEGORIES)), weights)[0]
        kind = "question" if rng.random() < CATEGORIES[category]["questions"] else "discussion"
        model, code = rng.choice(MODELS), f"E{rng.randint(1, 12):02d}"
        topics.append(_Topic(category, kind, count, model=model, code=code))
    staff = [i for i, m in enumerate(members) if m.role != "member"]
    staff_only = sum(1 for t in topics if CATEGORIES[t.category]["staff_only"])
    slots = n * POSTS_PER_MEMBER - staff_only
    top_total = round(slots * rng.uniform(0.42, 0.47))
    top_quota = _apportion([1 / (i + 1) ** 0.5 for i in range(top)], top_total)
    tail_quota = _apportion([1 / (top + 1 + i) ** 1.15 for i in range(n - top)], slots - top_total)
    top_pool = [i for i, q in enumerate(top_quota) for _ in range(q)]
    rng.shuffle(top_pool)
    lounge_slots = sum(1 + t.replies for t in topics if t.restricted)
    lounge_pool = top_pool[:lounge_slots]
    lounge_pool += [rng.choice(staff or [0]) for _ in range(lounge_slots - len(lounge_pool))]
    rest = top_pool[lounge_slots:] + [top + i for i, q in enumerate(tail_quota) for _ in range(q)]
    rng.shuffle(rest)
    for topic in topics:
        pool = lounge_pool if topic.restricted else rest
        opener = rng.choice(staff) if CATEGORIES[topic.category]["staff_only"] else pool.pop()
        topic.authors = [opener] + [pool.pop() for _ in range(topic.replies)]
        _timestamps(rng, topic, now)
        locale = members[opener].locale
        topic.lang = locale or ("fr" if rng.random() < 0.7 else "en")
        for author, at in zip(topic.authors, topic.times, strict=True):
            first = members[author].first_post
            members[author].first_post = at if first is None else min(first, at)
    topics.sort(key=lambda t: t.times[0])
    return topics


def _timestamps(rng: random.Random, topic: _Topic, now: datetime) -> None:
    """The opening post within the last DAYS days, then answers in order, before now."""
    start = now - timedelta(days=DAYS * rng.random() ** 1.2, hours=2)
    gaps = [rng.expovariate(1 / (3 if i == 0 else 12)) for i in range(topic.replies)]
    room = (now - start).total_seconds() / 3600 * 0.95
    if sum(gaps) > room:
        gaps = [g * room / sum(gaps) for g in gaps]
    topic.times = [start]
    for gap in gaps:
        topic.times.append(topic.times[-1] + timedelta(hours=gap, seconds=20))


def _random_ip(rng: random.Random) -> str:
    return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _insert_members(
    rng: random.Random, members: list[_Member], top: int, now: datetime, progress: Progress
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
        members: list[_Member],
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

    def write(self, topics: list[_Topic]) -> None:
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


def recount() -> None:
    """Recompute every denormalised forum counter from the rows, with set-based UPDATEs."""
    live_post = (Post.topic_id == Topic.id, Post.deleted_at.is_(None))
    statements = [
        update(Post).values(
            vote_count=select(func.count())
            .select_from(PostVote)
            .where(PostVote.post_id == Post.id)
            .scalar_subquery()
        ),
        update(Topic).values(
            reply_count=select(func.count())
            .select_from(Post)
            .where(*live_post, Post.position > 0)
            .scalar_subquery(),
            last_posted_at=select(func.max(Post.created_at)).where(*live_post).scalar_subquery(),
            last_poster_id=select(Post.author_id)
            .where(*live_post)
            .order_by(Post.position.desc())
            .limit(1)
            .scalar_subquery(),
        ),
    ]
    live_topic = (Topic.category_id == Category.id, Topic.deleted_at.is_(None))
    statements.append(
        update(Category).values(
            topic_count=select(func.count())
            .select_from(Topic)
            .where(*live_topic)
            .scalar_subquery(),
            post_count=select(func.count())
            .select_from(Post)
            .join(Topic, Topic.id == Post.topic_id)
            .where(*live_topic, Post.deleted_at.is_(None))
            .scalar_subquery(),
            last_posted_at=select(func.max(Topic.last_posted_at))
            .where(*live_topic)
            .scalar_subquery(),
        )
    )
    for statement in statements:
        db.session.execute(statement.execution_options(synchronize_session=False))


def top_share(members: int) -> tuple[int, float]:
    """The top 1% of members (ceil) and the share of live posts they wrote."""
    top = max(1, math.ceil(members / 100))
    per_author = (
        select(func.count().label("n"))
        .select_from(Post)
        .where(Post.deleted_at.is_(None))
        .group_by(Post.author_id)
        .order_by(desc("n"))
        .limit(top)
        .subquery()
    )
    written = db.session.scalar(select(func.coalesce(func.sum(per_author.c.n), 0)))
    total = db.session.scalar(
        select(func.count()).select_from(Post).where(Post.deleted_at.is_(None))
    )
    return top, (written or 0) / total if total else 0.0


def summarize() -> DemoSummary:
    """Count what the forum holds now."""

    def count(model: Any, *where: Any) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    members = count(User)
    top, share = top_share(members)
    return DemoSummary(
        members=members,
        categories=count(Category),
        topics=count(Topic),
        posts=count(Post),
        votes=count(PostVote),
        accepted=count(Topic, Topic.accepted_post_id.is_not(None)),
        top_members=top,
        top_share=share,
    )


def _fill(rng: random.Random, text: str, topic: _Topic, asker: str = "") -> str:
    return text.format(m=topic.model, n=rng.randint(2, 30), e=topic.code, asker=asker)


def title(rng: random.Random, topic: _Topic) -> str:
    """A topic title: a real question or subject, in the topic's language."""
    return _fill(rng, rng.choice(CATEGORIES[topic.category]["titles"][topic.lang]), topic)


def body(rng: random.Random, topic: _Topic, position: int, asker: str, by_asker: bool) -> str:
    """A Markdown post of about 200 to 800 characters for ``topic`` at ``position``."""
    texts = {key: value[topic.lang] for key, value in CATEGORIES[topic.category].items()
             if isinstance(value, dict)}  # fmt: skip
    common = COMMON[topic.lang]
    if position == 0:
        parts = [rng.choice(common["hello"]), rng.choice(common["context"])]
        parts += rng.sample(texts["ask"], rng.randint(2, 3))
        if rng.random() < 0.45:
            details = "\n".join(f"- {d}" for d in rng.sample(common["details"], 3))
            parts.append(f"{common['details_intro']}\n\n{details}")
        parts.append(rng.choice(common["ask_end" if topic.kind == "question" else "talk_end"]))
        spare = texts["ask"]
    else:
        spare = texts["tips"]
        opening = common["thanks"] if by_asker else common["reply"]
        parts = [rng.choice(opening), *rng.sample(spare, 1 if by_asker else rng.randint(1, 3))]
        if not by_asker and rng.random() < 0.6:
            steps = sorted(rng.sample(range(len(texts["steps"])), 3))
            listed = "\n".join(f"{i}. {texts['steps'][s]}" for i, s in enumerate(steps, 1))
            parts.append(f"{rng.choice(common['steps_intro'])}\n\n{listed}")
        parts.append(rng.choice(common["bye"]))
    text = "\n\n".join(_fill(rng, part, topic, asker) for part in parts if part)
    for extra in rng.sample(spare, len(spare)):
        if len(text) >= 200:
            break
        if _fill(rng, extra, topic) not in text:
            text += "\n\n" + _fill(rng, extra, topic, asker)
    return text[:800]
