import pytest
from sqlalchemy import text

from app.extensions import db


def test_sqlite_runs_in_wal_with_busy_timeout_and_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas; this run is on PostgreSQL")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_foreign_keys_are_enforced(app):
    from sqlalchemy.exc import IntegrityError

    from app.forum.models import Post

    db.session.add(
        Post(topic_id=424242, author_id=424242, position=0, body_source="x", body_html="x")
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
