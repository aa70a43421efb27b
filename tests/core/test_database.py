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


def test_connections_the_server_dropped_are_replaced_before_use(app, client, member, make_topic):
    """A PostgreSQL restart leaves the pool full of dead connections: none reaches a page."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL connections; this run is on SQLite")
    url = f"/t/{make_topic(member, title='Descaling after a restart').id}"
    assert client.get(url).status_code == 200
    db.session.remove()  # every connection is back in the pool, idle, as between requests
    with db.engine.connect() as connection:  # every other connection of this database dies
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    for _ in range(3):  # as many requests as the pool holds connections
        page = client.get(url)
        assert page.status_code == 200 and "Descaling after a restart" in page.text
