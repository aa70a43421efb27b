"""Member sessions (one row per login, ended at logout); API tokens removed with their creator.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import app.core.types


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "member_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_member_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_member_sessions_key_hash")),
    )
    with op.batch_alter_table("member_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_sessions_user_id"), ["user_id"], unique=False)
    _token_creator_foreign_key("CASCADE")


def downgrade():
    _token_creator_foreign_key("SET NULL")
    with op.batch_alter_table("member_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_sessions_user_id"))
    op.drop_table("member_sessions")


def _token_creator_foreign_key(ondelete):
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint("fk_api_tokens_created_by_id_users", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_api_tokens_created_by_id_users",
            "users",
            ["created_by_id"],
            ["id"],
            ondelete=ondelete,
        )
