"""Anonymous helpful votes (from systems that do not name voters); posts.body_format.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:22:26.288953
"""

import sqlalchemy as sa
from alembic import op

import app.core.types


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "anonymous_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_anonymous_votes_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_votes")),
        sa.UniqueConstraint("source", "source_key", name="uq_anonymous_votes_source_key"),
    )
    with op.batch_alter_table("anonymous_votes", schema=None) as batch_op:
        batch_op.create_index("ix_anonymous_votes_post", ["post_id"], unique=False)

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("body_format", sa.String(length=8), server_default="markdown", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("body_format")

    with op.batch_alter_table("anonymous_votes", schema=None) as batch_op:
        batch_op.drop_index("ix_anonymous_votes_post")

    op.drop_table("anonymous_votes")
