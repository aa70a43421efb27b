"""moderation flags audit log hidden posts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:23:39.331615
"""

import sqlalchemy as sa
from alembic import op

import app.core.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_action', ['action', 'created_at'], unique=False)
        batch_op.create_index('ix_audit_entries_actor', ['actor_id', 'created_at'], unique=False)
        batch_op.create_index('ix_audit_entries_created', ['created_at'], unique=False)

    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('flagger_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', app.core.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['flagger_id'], ['users.id'], name=op.f('fk_flags_flagger_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_flags_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_flags_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flags')),
    sa.UniqueConstraint('post_id', 'flagger_id', name=op.f('uq_flags_post_id_flagger_id'))
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index('ix_flags_flagger_created', ['flagger_id', 'created_at'], unique=False)
        batch_op.create_index('ix_flags_status_post', ['status', 'post_id'], unique=False)

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_at', app.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_at')

    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index('ix_flags_status_post')
        batch_op.drop_index('ix_flags_flagger_created')

    op.drop_table('flags')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_created')
        batch_op.drop_index('ix_audit_entries_actor')
        batch_op.drop_index('ix_audit_entries_action')

    op.drop_table('audit_entries')
