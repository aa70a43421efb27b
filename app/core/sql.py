"""SQL that differs by backend, behind one name (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db


def dialect() -> str:
    return db.engine.dialect.name


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
