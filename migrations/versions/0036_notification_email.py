"""Notification email: each member's choice per kind, and the notifications mailed
(one row per notification: two runs never mail it twice); the mail jobs' index on
notifications.created_at.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 13:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import app.core.types

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_email_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_email_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_email_settings")),
        sa.UniqueConstraint(
            "user_id", "kind", name=op.f("uq_notification_email_settings_user_id_kind")
        ),
    )
    op.create_table(
        "notification_mailings",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("run", sa.String(length=32), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_mailings_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_notification_mailings")),
    )
    op.create_index("ix_notification_mailings_run", "notification_mailings", ["run"])
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.create_index("ix_notifications_created_at", ["created_at", "read_at"])


def downgrade():
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_index("ix_notifications_created_at")
    op.drop_table("notification_mailings")
    op.drop_table("notification_email_settings")
