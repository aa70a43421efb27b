"""scheduler: job_runs history and job_leases

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import app.core.types


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_leases",
        sa.Column("job_name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", app.core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job_name", name=op.f("pk_job_leases")),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_name", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("started_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_runs_job_name"), ["job_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_runs_started_at"), ["started_at"], unique=False)


def downgrade():
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_runs_started_at"))
        batch_op.drop_index(batch_op.f("ix_job_runs_job_name"))
    op.drop_table("job_runs")
    op.drop_table("job_leases")
