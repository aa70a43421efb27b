"""Full-text search: topics ranked by relevance, one row per topic, on SQLite or PostgreSQL.

What matches is what always matched: both engines index ``posts.search_text`` (title and
body in search normal form, see core.text), the query goes through the same normal form,
and every word must match, so both find the same posts.

Ranking: bm25 on SQLite FTS5 (the ``search_title`` column weighs TITLE_WEIGHT times the
text), ts_rank on PostgreSQL over ``search_posts_vector`` (title weighted A, text B).
Each topic counts once, by its best post; at equal relevance (the same score: posts of
the same length and words on SQLite, the same words on PostgreSQL, whose ts_rank does
not weigh length) solved questions come first, then the newest topic (the highest id):
a total order on each database. The scores differ between engines; for the same data
the orders agree wherever the words found and their places decide
(tests/forum/test_search.py pins one on both).

The candidate cap. Ranking every match is what made a common word slow (every one of
a quarter of the posts scored, then sorted, to show twenty). So the ranking looks only
at the first ``SEARCH_CANDIDATES`` matching posts the reader may read, taken in index
order, newest first (FTS5 walks its doclist by rowid, PostgreSQL the primary key or
the GIN bitmap), filters included. A rare word has fewer matches than the cap and is
ranked exactly; a common word is ranked among its most recent matches only, and the
page says so: adding a word or a filter reaches older posts. The index tables are made
by migrations 0002 and 0035.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from markupsafe import Markup
from sqlalchemy import bindparam, case, column, func, literal_column, select, table
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.paging import Page
from app.core.schema import BACKEND_SPECIFIC_PREFIX
from app.core.text import plain_text, search_normal_form
from app.extensions import db
from app.forum import visibility
from app.forum.models import Category, Post, Tag, Topic, topic_tags
from app.forum.search_snippets import highlight

MAX_TERMS = 8
FTS_TABLE = BACKEND_SPECIFIC_PREFIX  # made by migrations 0002 and 0035 (SQLite)
VECTOR = f"{BACKEND_SPECIFIC_PREFIX}_vector"  # posts' stored tsvector (PostgreSQL, 0035)
TITLE_WEIGHT = 4.0  # bm25 column weight of titles; ts_rank's A (1.0) against B (0.4)
PERIODS = {"week": 7, "month": 31, "year": 366}
SOLVED_STATES = ("solved", "unsolved")
SIMILAR_LIMIT = 5
# Five questions are shown, as the title is typed: fewer candidates than a search page.
SIMILAR_CANDIDATES = 500
# Words that say nothing about a question's subject: left out of "similar questions".
STOPWORDS = frozenset(
    ("a", "an", "and", "are", "can", "do", "does", "for", "from", "has", "have", "how", "i",
     "in", "is", "it", "my", "of", "on", "or", "the", "this", "to", "what", "when", "where",
     "which", "why", "with", "you", "your", "au", "aux", "avec", "ce", "ces", "comment",
     "dans", "de", "des", "du", "elle", "en", "est", "et", "il", "je", "la", "le", "les",
     "ma", "mais", "mes", "mon", "ne", "ou", "par", "pas", "pour", "pourquoi", "quand",
     "que", "qui", "sa", "se", "ses", "son", "sur", "un", "une", "vous")
)  # fmt: skip


def query_terms(query: str) -> list[str]:
    return search_normal_form(query).split()[:MAX_TERMS]


@dataclass(frozen=True)
class SearchFilters:
    """What narrows a search; empty strings mean no filter (GET arguments as typed)."""

    category: str = ""  # a category's slug
    tag: str = ""
    solved: str = ""  # "solved", "unsolved" (questions without an accepted answer) or ""
    author: str = ""  # a username: posts they wrote
    period: str = ""  # "week", "month", "year" or "" (all time)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SearchFilters:
        """The filters a search form sent; a value no filter knows is no filter."""

        def typed(name: str, length: int) -> str:
            return str(args.get(name, "")).strip()[:length]

        solved, period = typed("solved", 16), typed("period", 16)
        return cls(
            category=typed("category", 80),
            tag=typed("tag", 32),
            solved=solved if solved in SOLVED_STATES else "",
            author=typed("author", 64),
            period=period if period in PERIODS else "",
        )

    def active(self) -> bool:
        return any((self.category, self.tag, self.solved, self.author, self.period))

    def as_args(self) -> dict[str, str]:
        """The filters set, as GET arguments (for the pager's links)."""
        return {name: value for name, value in vars(self).items() if value}


@dataclass
class Hit:
    """A topic found: its best post, the title and a snippet with the words marked."""

    topic: Topic
    post: Post
    category_name: str
    title: Markup
    snippet: Markup


@dataclass
class SearchResults(Page):
    found: int = 0  # topics found among the candidates
    capped: bool = False  # the candidates were cut at the cap: older posts not ranked
    cap: int = 0


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _filter_clauses(filters: SearchFilters, row_id: Any) -> list[Any]:
    """SQL conditions for the filters; ``row_id`` is the index's post id (FTS5's rowid)."""
    clauses: list[Any] = []
    if filters.category:
        clauses.append(Category.slug == filters.category)
    if filters.tag:
        tagged = (
            select(topic_tags.c.topic_id)
            .join(Tag, Tag.id == topic_tags.c.tag_id)
            .where(Tag.name == filters.tag.strip().lower())
        )
        clauses.append(Topic.id.in_(tagged))
    if filters.solved == "solved":
        clauses.append(Topic.accepted_post_id.is_not(None))
    elif filters.solved == "unsolved":
        clauses.append((Topic.kind == "question") & Topic.accepted_post_id.is_(None))
    if filters.author:
        author = select(User.id).where(User.username_key == filters.author.strip().lower())
        # Asked of the index's row id, so that SQLite probes FTS5 with the author's posts
        # instead of walking every match (2 s for a common word at 1,000,000 posts).
        written = aliased(Post)
        by_author = select(written.id).where(written.author_id == author.scalar_subquery())
        clauses.append(row_id.in_(by_author))
    if filters.period in PERIODS:
        clauses.append(Post.created_at >= now_utc() - timedelta(days=PERIODS[filters.period]))
    return clauses


def _fts_quoted(terms: list[str]) -> list[str]:
    # Terms are in normal form (letters and digits only); quoted, FTS5 reads each as a
    # word, never as syntax (AND, NEAR, *, -, ...).
    return [f'"{term}"' for term in terms]


def _candidates(user: User | None, terms: list[str], filters: SearchFilters, cap: int, *,
                titles_only: bool = False) -> Any:  # fmt: skip
    """The first ``cap`` matching posts the reader may read, newest first, with a score.

    ``titles_only`` (similar questions): any word of the titles of questions' opening
    posts, not every word."""
    if _postgresql():
        vector = literal_column(f"posts.{VECTOR}")
        if titles_only:
            query = func.to_tsquery("simple", " | ".join(f"'{t}':A" for t in terms))
        else:
            query = func.plainto_tsquery("simple", " ".join(terms))
        match, score = vector.op("@@")(query), func.ts_rank(vector, query)
        source: Any = Post.__table__
        index_order = Post.id.desc()
    else:
        fts = table(FTS_TABLE, column("rowid"))
        if titles_only:
            expression = "search_title : (" + " OR ".join(_fts_quoted(terms)) + ")"
        else:
            expression = " ".join(_fts_quoted(terms))
        index = literal_column(FTS_TABLE)
        match = index.op("MATCH")(bindparam("fts", expression))
        # bm25 is lower for better matches; negated, higher is better on both engines.
        score = -func.bm25(index, TITLE_WEIGHT, 1.0)
        source = fts.join(Post, Post.id == fts.c.rowid)
        index_order = fts.c.rowid.desc()
    clauses = _filter_clauses(filters, Post.id if _postgresql() else fts.c.rowid)
    if titles_only:
        clauses += [Topic.kind == "question", Post.position == 0]
    return (
        select(Post.id.label("post_id"), Post.topic_id.label("topic_id"), score.label("score"))
        .select_from(source)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .where(
            match,
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
            Topic.deleted_at.is_(None),
            # Not in a category the reader may not see, nor in a hidden topic (a reply
            # found there would name it).
            visibility.topic_clause(user),
            *clauses,
        )
        .order_by(index_order)
        .limit(cap)
        .subquery("candidates")
    )


def _ranked(candidates: Any, *, limit: int, offset: int) -> Any:
    """One row per topic (its best post), by relevance, solved first, newest topic first.

    The page is cut on ids and scores alone; only its rows then read their posts, topics
    and categories (a post's row holds its whole text)."""
    best_first = (candidates.c.score.desc(), candidates.c.post_id)
    best = select(
        candidates.c.post_id,
        candidates.c.topic_id,
        candidates.c.score,
        func.row_number()
        .over(partition_by=candidates.c.topic_id, order_by=best_first)
        .label("nth"),
        func.count().over().label("matched"),
    ).subquery("best")
    solved = case((Topic.accepted_post_id.is_not(None), 1), else_=0)
    page = (
        select(
            best.c.post_id,
            best.c.topic_id,
            best.c.score.label("relevance"),
            solved.label("solved"),
            best.c.matched,
            func.count().over().label("found"),
        )
        .join(Topic, Topic.id == best.c.topic_id)
        .where(best.c.nth == 1)
        .order_by(literal_column("relevance").desc(), solved.desc(), Topic.id.desc())
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    return (
        select(Post, Topic, Category.name, page.c.matched, page.c.found)
        .select_from(page)
        .join(Post, Post.id == page.c.post_id)
        .join(Topic, Topic.id == page.c.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .order_by(page.c.relevance.desc(), page.c.solved.desc(), page.c.topic_id.desc())
    )


def _hit(post: Post, topic: Topic, category_name: str, terms: set[str]) -> Hit:
    return Hit(
        topic=topic,
        post=post,
        category_name=category_name,
        title=highlight(topic.title, terms, length=None),
        snippet=highlight(plain_text(post.body_html), terms),
    )


def candidate_cap() -> int:
    return max(1, int(current_app.config["SEARCH_CANDIDATES"]))


def search_topics(
    user: User | None,
    query: str,
    *,
    page: int,
    per_page: int,
    filters: SearchFilters | None = None,
) -> SearchResults:
    """Topics matching every word of ``query``, best first, one row per topic (one statement)."""
    terms = query_terms(query)
    cap = candidate_cap()
    if not terms:
        return SearchResults(items=[], page=1, has_next=False, cap=cap)
    candidates = _candidates(user, terms, filters or SearchFilters(), cap)
    rows = db.session.execute(
        _ranked(candidates, limit=per_page + 1, offset=(page - 1) * per_page)
    ).all()
    wanted = set(terms)
    hits = [_hit(post, topic, name, wanted) for post, topic, name, _m, _f in rows[:per_page]]
    matched = rows[0][3] if rows else 0
    return SearchResults(
        items=hits,
        page=page,
        has_next=len(rows) > per_page,
        found=rows[0][4] if rows else 0,
        capped=matched >= cap,
        cap=cap,
    )


def search_posts(user: User | None, query: str, *, page: int, per_page: int) -> Page:
    """The best post of each topic found, as (post, topic) pairs: search_topics, unfiltered."""
    found = search_topics(user, query, page=page, per_page=per_page)
    return Page(
        items=[(hit.post, hit.topic) for hit in found.items],
        page=found.page,
        has_next=found.has_next,
    )


def similar_questions(user: User | None, title: str, limit: int = SIMILAR_LIMIT) -> list[Hit]:
    """Questions whose titles share words with ``title``, best first (one statement).

    Any word counts, not every word (a title being typed is rarely another's exact
    words); words that say nothing (STOPWORDS, one letter) are left out."""
    terms = [t for t in query_terms(title) if len(t) > 1 and t not in STOPWORDS]
    if not terms:
        return []
    cap = min(candidate_cap(), SIMILAR_CANDIDATES)
    candidates = _candidates(user, terms, SearchFilters(), cap, titles_only=True)
    rows = db.session.execute(_ranked(candidates, limit=limit, offset=0)).all()
    wanted = set(terms)
    return [_hit(post, topic, name, wanted) for post, topic, name, _m, _f in rows]
