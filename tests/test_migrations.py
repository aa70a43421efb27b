"""`db upgrade` on an empty database gives exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.core.schema import include_name
from app.extensions import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


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
