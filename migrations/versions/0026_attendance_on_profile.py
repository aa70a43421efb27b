"""Members who show the events they attended on their profile (off by default).

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-07 00:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import app.core.types

revision = "0026"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "campaign_attendance_on_profile",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_campaign_attendance_on_profile_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_campaign_attendance_on_profile")),
    )


def downgrade():
    op.drop_table("campaign_attendance_on_profile")
