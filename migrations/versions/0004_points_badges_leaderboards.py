"""points, badges, leaderboards, voting reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:45:38.589000
"""

import sqlalchemy as sa
from alembic import op

import app.core.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('leaderboard_entries',
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_leaderboard_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('period', 'category_id', 'position', name=op.f('pk_leaderboard_entries'))
    )
    with op.batch_alter_table('leaderboard_entries', schema=None) as batch_op:
        batch_op.create_index('ix_leaderboard_entries_member', ['period', 'category_id', 'user_id'], unique=True)

    op.create_table('member_visits',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_member_visits_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_member_visits'))
    )
    op.create_table('point_rules',
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_point_rules_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('action', name=op.f('pk_point_rules'))
    )
    op.create_table('voting_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('points_reversed', sa.Integer(), nullable=False),
    sa.Column('window_start', app.core.types.UTCDateTime(), nullable=False),
    sa.Column('window_end', app.core.types.UTCDateTime(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('report_key', sa.String(length=160), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', app.core.types.UTCDateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_voting_reports_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_voting_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['voter_id'], ['users.id'], name=op.f('fk_voting_reports_voter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_reports')),
    sa.UniqueConstraint('report_key', name=op.f('uq_voting_reports_report_key'))
    )
    with op.batch_alter_table('voting_reports', schema=None) as batch_op:
        batch_op.create_index('ix_voting_reports_status', ['status', 'created_at'], unique=False)

    op.create_table('badge_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('badge', sa.String(length=48), nullable=False),
    sa.Column('award_key', sa.String(length=160), nullable=False),
    sa.Column('awarded_at', app.core.types.UTCDateTime(), nullable=False),
    sa.Column('reason', sa.JSON(), nullable=True),
    sa.Column('figure', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', app.core.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_badge_awards_category_id_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_badge_awards_post_id_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_badge_awards_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_awards')),
    sa.UniqueConstraint('award_key', name=op.f('uq_badge_awards_award_key'))
    )
    with op.batch_alter_table('badge_awards', schema=None) as batch_op:
        batch_op.create_index('ix_badge_awards_badge_active', ['badge', 'revoked_at'], unique=False)
        batch_op.create_index('ix_badge_awards_user', ['user_id', 'awarded_at'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(), nullable=False),
    sa.Column('event_key', sa.String(length=160), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=64), nullable=True),
    sa.Column('capped', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_ledger_entries_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_ledger_entries_category_id_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_ledger_entries_post_id_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_entries.id'], name=op.f('fk_ledger_entries_reverses_id_ledger_entries')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_ledger_entries_topic_id_topics'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ledger_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('event_key', name=op.f('uq_ledger_entries_event_key')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_ledger_entries_reverses_id'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_created_category', ['created_at', 'category_id'], unique=False)
        batch_op.create_index('ix_ledger_entries_post', ['post_id'], unique=False)
        batch_op.create_index('ix_ledger_entries_topic', ['topic_id'], unique=False)
        batch_op.create_index('ix_ledger_entries_user_created', ['user_id', 'created_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_until', app.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('points', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_users_points'), ['points'], unique=False)



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_points'))
        batch_op.drop_column('points')
        batch_op.drop_column('suspended_until')

    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entries_user_created')
        batch_op.drop_index('ix_ledger_entries_topic')
        batch_op.drop_index('ix_ledger_entries_post')
        batch_op.drop_index('ix_ledger_entries_created_category')

    op.drop_table('ledger_entries')
    with op.batch_alter_table('badge_awards', schema=None) as batch_op:
        batch_op.drop_index('ix_badge_awards_user')
        batch_op.drop_index('ix_badge_awards_badge_active')

    op.drop_table('badge_awards')
    with op.batch_alter_table('voting_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_voting_reports_status')

    op.drop_table('voting_reports')
    op.drop_table('point_rules')
    op.drop_table('member_visits')
    with op.batch_alter_table('leaderboard_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_leaderboard_entries_member')

    op.drop_table('leaderboard_entries')
