"""The rewards catalogue: rewards, their codes, redemptions, the append-only spending
history and its per-member total; engagement scores count redemptions (for segments).

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 12:29:26.682470
"""

import sqlalchemy as sa
from alembic import op

import app.core.types

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reward_wallets",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("spent", sa.Integer(), nullable=False),
        sa.Column("updated_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reward_wallets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_reward_wallets")),
    )
    op.create_table(
        "rewards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("title_fr", sa.String(length=200), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("description_fr", sa.Text(), nullable=False),
        sa.Column("picture", sa.String(length=80), nullable=True),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("per_member_limit", sa.Integer(), nullable=True),
        sa.Column("eligibility", sa.String(length=16), nullable=False),
        sa.Column("eligibility_value", sa.String(length=16), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("archived_at", app.core.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint("cost > 0", name=op.f("ck_rewards_cost_positive")),
        sa.CheckConstraint(
            "per_member_limit IS NULL OR per_member_limit > 0",
            name=op.f("ck_rewards_limit_positive"),
        ),
        sa.CheckConstraint(
            "stock IS NULL OR stock >= 0", name=op.f("ck_rewards_stock_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_rewards_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
    )
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rewards_archived_position", ["archived_at", "position"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rewards_created_by_id"), ["created_by_id"], unique=False
        )

    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reward_id", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("tracking_note", sa.String(length=300), nullable=False),
        sa.Column("cancel_reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handled_by_id"],
            ["users.id"],
            name=op.f("fk_redemptions_handled_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"],
            ["rewards.id"],
            name=op.f("fk_redemptions_reward_id_rewards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_redemptions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
    )
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_redemptions_handled_by_id"), ["handled_by_id"], unique=False
        )
        batch_op.create_index("ix_redemptions_reward_user", ["reward_id", "user_id"], unique=False)
        batch_op.create_index("ix_redemptions_state_created", ["state", "created_at"], unique=False)
        batch_op.create_index(
            "ix_redemptions_user_created", ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "reward_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reward_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("redemption_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemptions.id"],
            name=op.f("fk_reward_codes_redemption_id_redemptions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"],
            ["rewards.id"],
            name=op.f("fk_reward_codes_reward_id_rewards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_codes")),
        sa.UniqueConstraint("redemption_id", name=op.f("uq_reward_codes_redemption_id")),
        sa.UniqueConstraint("reward_id", "code", name=op.f("uq_reward_codes_reward_id_code")),
    )
    op.create_table(
        "reward_spending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("redemption_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_reward_spending_points_positive")),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemptions.id"],
            name=op.f("fk_reward_spending_redemption_id_redemptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reward_spending_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_spending")),
        sa.UniqueConstraint(
            "redemption_id", "kind", name=op.f("uq_reward_spending_redemption_id_kind")
        ),
    )
    with op.batch_alter_table("reward_spending", schema=None) as batch_op:
        batch_op.create_index("ix_reward_spending_user", ["user_id", "created_at"], unique=False)

    with op.batch_alter_table("engagement_scores", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("redemptions", sa.Float(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("engagement_scores", schema=None) as batch_op:
        batch_op.drop_column("redemptions")

    with op.batch_alter_table("reward_spending", schema=None) as batch_op:
        batch_op.drop_index("ix_reward_spending_user")

    op.drop_table("reward_spending")
    op.drop_table("reward_codes")
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_index("ix_redemptions_user_created")
        batch_op.drop_index("ix_redemptions_state_created")
        batch_op.drop_index("ix_redemptions_reward_user")
        batch_op.drop_index(batch_op.f("ix_redemptions_handled_by_id"))

    op.drop_table("redemptions")
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rewards_created_by_id"))
        batch_op.drop_index("ix_rewards_archived_position")

    op.drop_table("rewards")
    op.drop_table("reward_wallets")
