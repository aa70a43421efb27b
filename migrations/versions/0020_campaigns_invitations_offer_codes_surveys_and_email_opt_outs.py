"""Campaigns and their invitations, offer codes, survey questions and responses, the
uploaded member lists, and opt-outs of campaign email.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-12 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import app.core.types


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "campaign_email_opt_outs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_campaign_email_opt_outs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_campaign_email_opt_outs")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("title_fr", sa.String(length=200), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("description_fr", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("message_fr", sa.Text(), nullable=False),
        sa.Column("reply_deadline", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("scheduled_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("online_link", sa.String(length=500), nullable=True),
        sa.Column("starts_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("ends_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("token_salt", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("reminded_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("closed_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("invited_count", sa.Integer(), nullable=False),
        sa.Column("emailed_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_campaigns_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaigns_state_scheduled_at", ["state", "scheduled_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaigns_created_by_id"), ["created_by_id"], unique=False
        )

    op.create_table(
        "campaign_listed_members",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_listed_members_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_campaign_listed_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "user_id", name=op.f("pk_campaign_listed_members")),
    )
    with op.batch_alter_table("campaign_listed_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_listed_members_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("waitlist_position", sa.Integer(), nullable=True),
        sa.Column("reply_token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_expires_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("token_used_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("checkin_code", sa.String(length=24), nullable=False),
        sa.Column("emailed", sa.Boolean(), nullable=False),
        sa.Column("email_message_id", sa.String(length=255), nullable=True),
        sa.Column("invited_at", app.core.types.UTCDateTime(), nullable=False),
        sa.Column("replied_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("attended_at", app.core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_invitations_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invitations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint(
            "user_id", "campaign_id", name=op.f("uq_invitations_user_id_campaign_id")
        ),
        sa.UniqueConstraint("reply_token_hash", name=op.f("uq_invitations_reply_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invitations_campaign_state",
            ["campaign_id", "state", "waitlist_position"],
            unique=False,
        )

    op.create_table(
        "survey_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("prompt_en", sa.String(length=500), nullable=False),
        sa.Column("prompt_fr", sa.String(length=500), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_survey_questions_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_questions")),
        sa.UniqueConstraint(
            "campaign_id", "position", name=op.f("uq_survey_questions_campaign_id_position")
        ),
    )
    op.create_table(
        "campaign_offer_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", app.core.types.UTCDateTime(), nullable=True),
        sa.Column("uploaded_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_offer_codes_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_campaign_offer_codes_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_offer_codes")),
        sa.UniqueConstraint(
            "campaign_id", "code", name=op.f("uq_campaign_offer_codes_campaign_id_code")
        ),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_campaign_offer_codes_invitation_id")),
    )
    with op.batch_alter_table("campaign_offer_codes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_offer_codes_free", ["campaign_id", "invitation_id", "id"], unique=False
        )

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_survey_responses_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_survey_responses_invitation_id")),
    )
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["survey_questions.id"],
            name=op.f("fk_survey_answers_question_id_survey_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_responses.id"],
            name=op.f("fk_survey_answers_response_id_survey_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
    )
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.create_index("ix_survey_answers_question", ["question_id", "choice"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_survey_answers_response_id"), ["response_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_answers_response_id"))
        batch_op.drop_index("ix_survey_answers_question")

    op.drop_table("survey_answers")
    op.drop_table("survey_responses")
    with op.batch_alter_table("campaign_offer_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_offer_codes_free")

    op.drop_table("campaign_offer_codes")
    op.drop_table("survey_questions")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_invitations_campaign_state")

    op.drop_table("invitations")
    with op.batch_alter_table("campaign_listed_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_listed_members_user_id"))

    op.drop_table("campaign_listed_members")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_created_by_id"))
        batch_op.drop_index("ix_campaigns_state_scheduled_at")

    op.drop_table("campaigns")
    op.drop_table("campaign_email_opt_outs")
