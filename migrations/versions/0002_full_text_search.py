"""full-text search index over posts.search_text

SQLite: an FTS5 table with external content (posts), kept in step by triggers.
PostgreSQL: a GIN index on to_tsvector('simple', search_text).
Both index the same normalised text (see app/forum/search.py), so both find the same posts.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_posts USING fts5("
            "search_text, content='posts', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER search_posts_insert AFTER INSERT ON posts BEGIN "
            "INSERT INTO search_posts(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER search_posts_delete AFTER DELETE ON posts BEGIN "
            "INSERT INTO search_posts(search_posts, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER search_posts_update AFTER UPDATE OF search_text ON posts BEGIN "
            "INSERT INTO search_posts(search_posts, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); "
            "INSERT INTO search_posts(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute("INSERT INTO search_posts(search_posts) VALUES ('rebuild')")
    else:
        op.execute(
            "CREATE INDEX search_posts_tsv ON posts "
            "USING gin (to_tsvector('simple', search_text))"
        )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_posts_{trigger}")
        op.execute("DROP TABLE IF EXISTS search_posts")
    else:
        op.execute("DROP INDEX IF EXISTS search_posts_tsv")
