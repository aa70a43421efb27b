"""The community-health dashboard's summary tables (filled by the job community-health).

Revision ID: 0032
Revises: 0030
Create Date: 2026-12-07 06:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import app.core.types

revision = "0032"
down_revision = "0030"
branch_labels = None
depends_on = None


def _period_key():
    return [
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), autoincrement=False, nullable=False),
    ]


def upgrade():
    op.create_table(
        "health_slots",
        sa.Column("slot", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("week", sa.Date(), nullable=True),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("quarter", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_health_slots")),
    )
    counts = [
        "posts", "active_members", "questions", "answered", "solved", "answered_by_members",
        "answered_by_helpers", "answered_by_staff", "new_members", "new_who_posted",
        "new_who_returned", "flags", "flags_reviewed", "hidden_posts",
    ]  # fmt: skip
    waits = [
        "first_answer_median", "first_answer_p90", "solution_median", "solution_p90",
        "review_median", "review_p90",
    ]  # fmt: skip
    op.create_table(
        "health_figures",
        *_period_key(),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in counts],
        *[sa.Column(name, sa.Float(), nullable=True) for name in waits],
        sa.Column("sanctions", sa.Integer(), nullable=True),
        sa.Column("computed_at", app.core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind", "period_start", "category_id", name=op.f("pk_health_figures")
        ),
    )
    op.create_table(
        "health_curve",
        *_period_key(),
        sa.Column("percent", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("authors", sa.Integer(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind", "period_start", "category_id", "percent", name=op.f("pk_health_curve")
        ),
    )
    op.create_table(
        "health_runs",
        sa.Column("run_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("as_of", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("ambassadors", sa.Integer(), nullable=False),
        sa.Column("rising", sa.Integer(), nullable=False),
        sa.Column("opportunists", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_health_runs")),
    )
    op.create_table(
        "health_score_bins",
        sa.Column("run_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bin", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "bin", name=op.f("pk_health_score_bins")),
    )


def downgrade():
    for table in ("health_score_bins", "health_runs", "health_curve", "health_figures",
                  "health_slots"):  # fmt: skip
        op.drop_table(table)
