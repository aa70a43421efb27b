"""`db upgrade` on an empty database gives exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.core.schema import include_name
from app.extensions import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


# Foreign keys that may stay without an index, each with its reason. None: deleting the
# row a key refers to makes the database find the referring rows (to cascade, set NULL
# or refuse), and without an index it reads the whole table once per deleted row.
UNINDEXED_FOREIGN_KEYS: dict[tuple[str, tuple[str, ...]], str] = {}


def test_every_foreign_key_is_the_leading_part_of_an_index(app):
    inspector = inspect(db.engine)
    missing = []
    for table in inspector.get_table_names():
        leading = [inspector.get_pk_constraint(table)["constrained_columns"]]
        leading += [index["column_names"] for index in inspector.get_indexes(table)]
        leading += [unique["column_names"] for unique in inspector.get_unique_constraints(table)]
        for key in inspector.get_foreign_keys(table):
            columns = tuple(key["constrained_columns"])
            indexed = any(set(found[: len(columns)]) == set(columns) for found in leading)
            if not indexed and (table, columns) not in UNINDEXED_FOREIGN_KEYS:
                missing.append(f"{table}.{', '.join(columns)} -> {key['referred_table']}")
    assert sorted(missing) == [], "foreign keys without an index (add one, model and migration)"


def test_upgrading_a_populated_sqlite_database_keeps_every_row(tmp_path):
    """Batch migrations rebuild SQLite tables; with foreign keys on, dropping the old
    ``topics`` or ``users`` table would cascade into posts. The upgrade must keep them."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app

    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, username, username_key, email, role, bio, created_at,"
                    " session_version, active, points) VALUES (1, 'ana', 'ana', 'ana@example.com',"
                    " 'member', '', '2026-01-01 00:00:00', 1, 1, 0)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO categories (id, name, slug, description, position, topic_count,"
                    " post_count, created_at) VALUES (1, 'Help', 'help', '', 0, 1, 1,"
                    " '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO topics (id, category_id, author_id, kind, title, pinned, locked,"
                    " view_count, revision, reply_count, created_at, last_posted_at) VALUES"
                    " (1, 1, 1, 'question', 'Q', 0, 0, 0, 0, 0, '2026-01-01 00:00:00',"
                    " '2026-01-01 00:00:00')"
                )
            )
            connection.execute(text(
                "INSERT INTO posts (id, topic_id, author_id, position, body_source, body_html,"
                " search_text, vote_count, created_at, edit_count) VALUES (1, 1, 1, 0, 'b',"
                " '<p>b</p>', 'b', 0, '2026-01-01 00:00:00', 0)"
            ))  # fmt: skip
        upgrade()
        with db.engine.connect() as connection:
            counts = [
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("users", "topics", "posts")
            ]
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()
    assert counts == [1, 1, 1]
