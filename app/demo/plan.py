"""The demo community planned in memory from one random.Random: members, topics, texts.

Members come in activity rank order, topics with heavy-tailed authors and ordered
timestamps; the texts (about 70% French, 30% English) are filled in from content.py.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.demo.content import CATEGORIES, COMMON, FIRST_NAMES, LAST_NAMES, MODELS
from app.extensions import db

DEMO_ACCOUNTS = (
    ("demo-admin", "admin"),
    ("demo-moderator", "moderator"),
    ("demo-staff", "staff"),
    ("demo-member", "member"),
)
POSTS_PER_MEMBER = 5
DAYS = 180


@dataclass
class PlannedMember:
    username: str
    role: str = "member"
    locale: str | None = "fr"
    id: int = 0
    first_post: datetime | None = None


@dataclass(eq=False)
class PlannedTopic:
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


def plan_members(rng: random.Random, n: int) -> tuple[list[PlannedMember], int]:
    """Members in activity rank order (most active first) and the size of the top 1%."""
    top = math.ceil(n / 100)
    # Only a few accounts (an admin) exist before seeding: avoid their usernames.
    existing = set(db.session.scalars(select(User.username_key)).all()) if _any_user() else set()
    taken = existing | {name for name, _ in DEMO_ACCOUNTS}
    generated = [PlannedMember(_username(rng, taken)) for _ in range(n - len(DEMO_ACCOUNTS))]
    for member in generated:
        roll = rng.random()
        member.locale = "fr" if roll < 0.62 else "en" if roll < 0.9 else None
    tail = generated[top:]
    for offset, (name, role) in zip((40, 3, 8, 20), DEMO_ACCOUNTS, strict=True):
        if name not in existing:
            tail.insert(min(offset, len(tail)), PlannedMember(name, role, "fr"))
    return generated[:top] + tail, top


def _any_user() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def plan_topics(
    rng: random.Random, members: list[PlannedMember], top: int, now: datetime
) -> list[PlannedTopic]:
    """Topics with categories, kinds, heavy-tailed authors and ordered timestamps."""
    n = len(members)
    weights = [c["weight"] for c in CATEGORIES]
    replies = _apportion([rng.lognormvariate(0, 0.8) for _ in range(n)], n * (POSTS_PER_MEMBER - 1))
    topics = []
    for count in replies:
        category = rng.choices(range(len(CATEGORIES)), weights)[0]
        kind = "question" if rng.random() < CATEGORIES[category]["questions"] else "discussion"
        model, code = rng.choice(MODELS), f"E{rng.randint(1, 12):02d}"
        topics.append(PlannedTopic(category, kind, count, model=model, code=code))
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


def _timestamps(rng: random.Random, topic: PlannedTopic, now: datetime) -> None:
    """The opening post within the last DAYS days, then answers in order, before now."""
    start = now - timedelta(days=DAYS * rng.random() ** 1.2, hours=2)
    gaps = [rng.expovariate(1 / (3 if i == 0 else 12)) for i in range(topic.replies)]
    room = (now - start).total_seconds() / 3600 * 0.95
    if sum(gaps) > room:
        gaps = [g * room / sum(gaps) for g in gaps]
    topic.times = [start]
    for gap in gaps:
        topic.times.append(topic.times[-1] + timedelta(hours=gap, seconds=20))


def _fill(rng: random.Random, text: str, topic: PlannedTopic, asker: str = "") -> str:
    return text.format(m=topic.model, n=rng.randint(2, 30), e=topic.code, asker=asker)


def title(rng: random.Random, topic: PlannedTopic) -> str:
    """A topic title: a real question or subject, in the topic's language."""
    return _fill(rng, rng.choice(CATEGORIES[topic.category]["titles"][topic.lang]), topic)


def body(rng: random.Random, topic: PlannedTopic, position: int, asker: str, by_asker: bool) -> str:
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
