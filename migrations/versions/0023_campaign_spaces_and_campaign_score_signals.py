"""Campaigns get a private space (a category restricted to space.campaign.<id>), and the
engagement score counts two signals from campaigns: surveys answered and co-creation
workshops taken part in.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("space_category_id", sa.Integer(), nullable=True))
        batch.create_index(
            batch.f("ix_campaigns_space_category_id"), ["space_category_id"], unique=False
        )
        batch.create_foreign_key(
            batch.f("fk_campaigns_space_category_id_categories"),
            "categories",
            ["space_category_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("engagement_scores") as batch:
        batch.add_column(sa.Column("surveys", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("co_creation", sa.Float(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("engagement_scores") as batch:
        batch.drop_column("co_creation")
        batch.drop_column("surveys")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_constraint(
            batch.f("fk_campaigns_space_category_id_categories"), type_="foreignkey"
        )
        batch.drop_index(batch.f("ix_campaigns_space_category_id"))
        batch.drop_column("space_category_id")
