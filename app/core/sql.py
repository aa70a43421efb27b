"""SQL that differs by backend, behind one name (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db


def savepoint() -> Any:
    """``db.session.begin_nested()`` that is a savepoint on SQLite too.

    pysqlite opens a transaction only before a write statement, so a SAVEPOINT issued
    first would open one of its own, and releasing it would commit the insert apart
    from the rest of the unit of work (a vote stored before its ledger entry). On
    SQLite the write transaction is opened first, waiting its turn like any writer.
    """
    if dialect() == "sqlite":
        raw = db.session.connection().connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            db.session.execute(text("BEGIN IMMEDIATE"))
    return db.session.begin_nested()


def dialect() -> str:
    return db.engine.dialect.name


def refresh_statistics(*models: Any) -> None:
    """Let PostgreSQL's planner see what a bulk write just added (ANALYZE those tables).

    Autovacuum analyzes a table a minute or more after a bulk load; a set-based statement
    planned before that believes the tables are nearly empty and picks nested loops that
    turn a seconds-long rebuild into an hour. SQLite plans without statistics here."""
    if dialect() != "postgresql" or not models:
        return
    names = ", ".join(db.engine.dialect.identifier_preparer.quote(model.__table__.name)
                      for model in models)  # fmt: skip
    db.session.execute(text(f"ANALYZE {names}"))


def insert_for(model: Table | Any) -> Any:
    """An INSERT that supports on_conflict_do_nothing/do_update on the current backend.

    Callers count what was inserted, and SQLAlchemy only keeps an INSERT's rowcount
    (psycopg's is gone once the cursor closes: -1) when asked to preserve it.
    """
    table = getattr(model, "__table__", model)
    statement = pg_insert(table) if dialect() == "postgresql" else sqlite_insert(table)
    return statement.execution_options(preserve_rowcount=True)


def day_number(column: Any) -> Any:
    """Days since an epoch for a DATE column: consecutive days differ by exactly 1."""
    if dialect() == "postgresql":
        return func.extract("epoch", column) / 86400
    return func.julianday(column)


def days_between(earlier: Any, later: Any) -> Any:
    """Days (fractional) from one timestamp column to another."""
    if dialect() == "postgresql":
        return func.extract("epoch", later - earlier) / 86400
    return func.julianday(later) - func.julianday(earlier)


def stamp(column: Any) -> Any:
    """A timestamp as 'YYYYMMDDTHHMMSS.ffffff', as Python's strftime writes it in event keys."""
    if dialect() == "postgresql":
        return func.to_char(column, 'YYYYMMDD"T"HH24MISS.US')
    # SQLite holds the column as text: 'YYYY-MM-DD HH:MM:SS.ffffff'.
    compact = func.replace(func.replace(func.substr(column, 1, 26), "-", ""), ":", "")
    return func.replace(compact, " ", "T")


def comma_joined(column: Any, dialect_name: str) -> Any:
    """The aggregate of a column's values as one comma-separated text (NULL for no rows).

    ``dialect_name`` is passed, not looked up, for statements built once per process."""
    if dialect_name == "postgresql":
        return func.string_agg(cast(column, Text), literal_column("','"))
    return func.group_concat(column, ",")


def among_ids(column: Any, name: str, dialect_name: str) -> Any:
    """``column IN (...)`` over one bound parameter ``name`` holding every id (give it
    ``ids_value(ids, dialect_name)``).

    An expanding IN binds one parameter per id, and SQLAlchemy rebuilds the statement
    and processes those fifty parameters on every execution; one array (PostgreSQL) or
    JSON text (SQLite) costs the same for any number of ids.
    """
    if dialect_name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    ids = select(literal_column("value")).select_from(func.json_each(bindparam(name, type_=String)))
    return column.in_(ids)


def ids_value(ids: Iterable[int], dialect_name: str) -> Any:
    """The parameter value for among_ids()."""
    return list(ids) if dialect_name == "postgresql" else json.dumps(list(ids))
