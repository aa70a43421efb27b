"""Full-text search over titles and bodies: SQLite FTS5 or PostgreSQL, same results.

Both engines index ``posts.search_text``, which the forum writes in search normal form
(lower case, accents removed, words separated by single spaces; see core.text). The
query goes through the same normal form and every word must match, so for the same
data both engines find the same posts; results are listed newest first.
The index itself (an FTS5 table kept by triggers, or a GIN expression index) is made
by the migration that introduced search.
"""

from __future__ import annotations

from sqlalchemy import func, select, text

from app.accounts.models import User
from app.core.paging import Page, make_page
from app.core.schema import BACKEND_SPECIFIC_PREFIX
from app.core.text import search_normal_form
from app.extensions import db
from app.forum import visibility
from app.forum.models import Category, Post, Topic

MAX_TERMS = 8
FTS_TABLE = BACKEND_SPECIFIC_PREFIX  # made by migration 0002


def query_terms(query: str) -> list[str]:
    return search_normal_form(query).split()[:MAX_TERMS]


def _match_clause(terms: list[str]):  # type: ignore[no-untyped-def]
    if db.engine.dialect.name == "postgresql":
        return func.to_tsvector("simple", Post.search_text).op("@@")(
            func.plainto_tsquery("simple", " ".join(terms))
        )
    fts_query = " ".join(f'"{term}"' for term in terms)
    matching = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts").bindparams(
        fts=fts_query
    )
    return Post.id.in_(matching)


def search_posts(user: User | None, query: str, *, page: int, per_page: int) -> Page:
    """Posts (with their topics) matching every word of ``query``, newest first."""
    terms = query_terms(query)
    if not terms:
        return Page(items=[], page=1, has_next=False)
    rows = db.session.execute(
        select(Post, Topic)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .where(
            _match_clause(terms),
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
            Topic.deleted_at.is_(None),
            # Not in a category the reader may not see, nor in a hidden topic (a reply
            # found there would name it).
            visibility.topic_clause(user),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    return make_page([(p, t) for p, t in rows], page, per_page)
