"""The member's distinction (the ambassador mark beside their name), filled from the statuses.

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-07 06:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("distinction", sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE users SET distinction = 'ambassador' WHERE id IN "
        "(SELECT user_id FROM ambassador_statuses WHERE status = 'ambassador')"
    )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("distinction")
