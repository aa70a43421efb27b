"""The referral program: members' codes, visits through links, members' browsers
(hashed), and referrals with what they became.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 13:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import app.core.types

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "referral_codes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_referral_codes_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_referral_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_referral_codes_code")),
    )  # fmt: skip
    op.create_table(
        "referral_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referrer_id", sa.Integer(), nullable=False),
        sa.Column("visitor_hash", sa.String(length=64), nullable=False),
        sa.Column("visited_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["referrer_id"], ["users.id"],
                                name=op.f("fk_referral_visits_referrer_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_visits")),
        sa.UniqueConstraint("referrer_id", "visitor_hash",
                            name=op.f("uq_referral_visits_referrer_id_visitor_hash")),
    )  # fmt: skip
    op.create_index("ix_referral_visits_visited", "referral_visits", ["visited_at"])
    op.create_table(
        "referral_browsers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("visitor_hash", sa.String(length=64), nullable=False),
        sa.Column("seen_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_referral_browsers_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "visitor_hash", name=op.f("pk_referral_browsers")),
    )  # fmt: skip
    op.create_index("ix_referral_browsers_visitor", "referral_browsers", ["visitor_hash"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referrer_id", sa.Integer(), nullable=False),
        sa.Column("referred_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("visited_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("visitor_hash", sa.String(length=64), nullable=True),
        sa.Column("decided_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("converted_via", sa.String(length=16), nullable=True),
        sa.Column("converted_day", sa.Date(), nullable=True),
        sa.Column("reversed_at", app.core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["referrer_id"], ["users.id"],
                                name=op.f("fk_referrals_referrer_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["referred_id"], ["users.id"],
                                name=op.f("fk_referrals_referred_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("referred_id", name=op.f("uq_referrals_referred_id")),
    )  # fmt: skip
    op.create_index("ix_referrals_referrer_state", "referrals", ["referrer_id", "state"])
    op.create_index("ix_referrals_referrer_day", "referrals", ["referrer_id", "converted_day"])
    op.create_index("ix_referrals_state_created", "referrals", ["state", "created_at"])
    op.create_index("ix_referrals_decided", "referrals", ["decided_at"])


def downgrade():
    op.drop_table("referrals")
    op.drop_index("ix_referral_browsers_visitor", table_name="referral_browsers")
    op.drop_table("referral_browsers")
    op.drop_index("ix_referral_visits_visited", table_name="referral_visits")
    op.drop_table("referral_visits")
    op.drop_table("referral_codes")
