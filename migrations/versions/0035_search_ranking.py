"""search ranked by relevance: the opening post's title as its own search column

posts.search_title holds the topic's title in search normal form on the opening post
('' on every other post), so both engines weigh title words more:
SQLite: the FTS5 table gets two columns (search_title, search_text), ranked by bm25
with column weights; its triggers follow both columns.
PostgreSQL: a stored tsvector, search_posts_vector (title weighted A, text B), with a
GIN index, replaces the expression index; ts_rank reads it without recomputing it.
Both: a partial index of the topics whose opening post is hidden, which every reader's
visibility clause asks about (PostgreSQL read all posts to find none).
What matches is unchanged: search_text still holds title and body.

Revision ID: 0035
Revises: 0034
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

BATCH = 10_000


def _normal_form(text):
    """app.core.text.search_normal_form as of this revision (a migration does not change)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", stripped).split())


def _fill_titles(bind):
    """Each opening post gets its topic's title in normal form, a batch at a time."""
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT posts.id, topics.title FROM posts "
                "JOIN topics ON topics.id = posts.topic_id "
                "WHERE posts.position = 0 AND posts.id > :last ORDER BY posts.id LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        bind.execute(
            sa.text("UPDATE posts SET search_title = :title WHERE id = :id"),
            [{"id": post_id, "title": _normal_form(title or "")} for post_id, title in rows],
        )
        last = rows[-1][0]


def _sqlite_index(columns):
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    op.execute(
        f"CREATE VIRTUAL TABLE search_posts USING fts5({names}, content='posts', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER search_posts_insert AFTER INSERT ON posts BEGIN "
        f"INSERT INTO search_posts(rowid, {names}) VALUES (new.id, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER search_posts_delete AFTER DELETE ON posts BEGIN "
        f"INSERT INTO search_posts(search_posts, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER search_posts_update AFTER UPDATE OF {names} ON posts BEGIN "
        f"INSERT INTO search_posts(search_posts, rowid, {names}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO search_posts(rowid, {names}) VALUES (new.id, {new}); END"
    )
    op.execute("INSERT INTO search_posts(search_posts) VALUES ('rebuild')")


def _sqlite_drop():
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS search_posts_{trigger}")
    op.execute("DROP TABLE IF EXISTS search_posts")


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _sqlite_drop()  # before the backfill: its update trigger would index each row twice
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("search_title", sa.Text(), nullable=False, server_default=""))
    _fill_titles(bind)
    # The topics whose opening post is hidden, for every reader's visibility clause.
    op.create_index(
        "ix_posts_hidden_openings",
        "posts",
        ["topic_id"],
        postgresql_where=sa.text("hidden_at IS NOT NULL AND position = 0"),
        sqlite_where=sa.text("hidden_at IS NOT NULL AND position = 0"),
    )
    if sqlite:
        _sqlite_index(["search_title", "search_text"])
    else:
        op.execute("DROP INDEX IF EXISTS search_posts_tsv")
        op.execute(
            "ALTER TABLE posts ADD COLUMN search_posts_vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', search_title), 'A') || "
            "setweight(to_tsvector('simple', search_text), 'B')) STORED"
        )
        op.execute("CREATE INDEX search_posts_vector_gin ON posts USING gin (search_posts_vector)")


def downgrade():
    op.drop_index("ix_posts_hidden_openings", table_name="posts")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_drop()
    else:
        op.execute("DROP INDEX IF EXISTS search_posts_vector_gin")
        op.execute("ALTER TABLE posts DROP COLUMN IF EXISTS search_posts_vector")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("search_title")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_index(["search_text"])
    else:
        op.execute(
            "CREATE INDEX search_posts_tsv ON posts USING gin (to_tsvector('simple', search_text))"
        )
