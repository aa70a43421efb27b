"""A row per rebuild of points and badges from history, so a rebuild with nothing new
to record notices it at once.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 06:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

import app.core.types

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "history_rebuilds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_rebuilds")),
    )


def downgrade():
    op.drop_table("history_rebuilds")
