"""A category can be archived: it takes no new topics and leaves the lists of categories.

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-07 07:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

import app.core.types

revision = "0030"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", app.core.types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
