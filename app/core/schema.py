"""What Alembic's autogenerate compares between the models and the database."""

from __future__ import annotations

# Objects that exist for one backend only (the full-text search index: an FTS5 table
# and its shadow tables on SQLite, a GIN index on PostgreSQL) are made by hand in the
# migration that adds search; autogenerate must neither drop nor create them.
BACKEND_SPECIFIC_PREFIX = "search_posts"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (name or "").startswith(BACKEND_SPECIFIC_PREFIX)
