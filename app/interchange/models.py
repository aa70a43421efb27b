"""What an import remembers: each source record and the row it became."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ImportedRecord(db.Model):
    """A source record (by source, kind and its own id) and the local row's id.

    Importing the same folder twice, or again after a stop halfway, skips what is here.
    """

    __tablename__ = "imported_records"
    __table_args__ = (UniqueConstraint("source", "kind", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(128))
    local_id: Mapped[int] = mapped_column()
