"""The outbox learns bulk mail: priority, batches, extra headers, attachments, pacing.

Transactional mail (priority 0) goes before bulk mail (1, campaigns); the job's index
becomes (status, priority, next_attempt_at, id). A bulk send names its batch (its progress
is counted from an index on (batch, status)) and may store files once per batch and
language (mail_attachments); extra headers (List-Unsubscribe) are a JSON text per
message. mail_pacing holds the token bucket that paces bulk mail.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 00:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import app.core.types

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("batch", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("headers", sa.Text(), nullable=True))
        batch_op.drop_index("ix_mail_outbox_status_next_attempt_at")
        batch_op.create_index(
            "ix_mail_outbox_due", ["status", "priority", "next_attempt_at", "id"], unique=False
        )
        batch_op.create_index("ix_mail_outbox_batch_status", ["batch", "status"], unique=False)

    op.create_table(
        "mail_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_attachments")),
        sa.UniqueConstraint(
            "batch",
            "language",
            "filename",
            name=op.f("uq_mail_attachments_batch_language_filename"),
        ),
    )
    op.create_table(
        "mail_pacing",
        sa.Column("lane", sa.String(length=16), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("filled_at", app.core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("lane", name=op.f("pk_mail_pacing")),
    )


def downgrade():
    op.drop_table("mail_pacing")
    op.drop_table("mail_attachments")
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_outbox_batch_status")
        batch_op.drop_index("ix_mail_outbox_due")
        batch_op.create_index(
            "ix_mail_outbox_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.drop_column("headers")
        batch_op.drop_column("batch")
        batch_op.drop_column("priority")
