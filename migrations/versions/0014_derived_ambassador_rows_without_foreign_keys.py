"""Engagement scores and segment members without foreign keys (the job writes them in bulk).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 11:11:45.174299
"""

import sqlalchemy as sa
from alembic import op

import app.core.types


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("engagement_scores", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_engagement_scores_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_engagement_scores_run_id_ambassador_runs"), type_="foreignkey"
        )

    with op.batch_alter_table("segment_members", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_segment_members_run_id_ambassador_runs"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_segment_members_user_id_users"), type_="foreignkey")


def downgrade():
    with op.batch_alter_table("segment_members", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_segment_members_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_segment_members_run_id_ambassador_runs"),
            "ambassador_runs",
            ["run_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("engagement_scores", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_engagement_scores_run_id_ambassador_runs"),
            "ambassador_runs",
            ["run_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_engagement_scores_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
