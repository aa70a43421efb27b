"""Comments imported as comments: a kind of reply, with their own score signal.

A post with ``is_comment`` is a comment on the post it replies to (a Stack Exchange
comment): it is not an answer, a reply in a discussion or a day of activity, and counts
under the ambassador score's own small "comments" signal.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 06:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (not a batch, which on SQLite rebuilds the table and would drop
    # the full-text search triggers on posts).
    op.add_column(
        "posts", sa.Column("is_comment", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "engagement_scores", sa.Column("comments", sa.Float(), nullable=False, server_default="0")
    )


def downgrade():
    op.drop_column("engagement_scores", "comments")
    op.drop_column("posts", "is_comment")
