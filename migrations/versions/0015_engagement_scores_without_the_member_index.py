"""Engagement scores without the (member, run) index: nothing reads by it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 11:28:37.701863
"""

import sqlalchemy as sa
from alembic import op

import app.core.types


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("engagement_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_scores_user"))


def downgrade():
    with op.batch_alter_table("engagement_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_engagement_scores_user"), ["user_id", "run_id"], unique=False
        )
