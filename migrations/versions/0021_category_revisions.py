"""Categories get a revision, bumped with every change their topic lists show.

The category and home pages are cached per category revision (app/forum/list_parts.py),
as topic pages are per topic revision.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 21:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("categories") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("revision")
