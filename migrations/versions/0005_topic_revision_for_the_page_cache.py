"""topic revision for the page cache

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:07:04.427869
"""

import sqlalchemy as sa
from alembic import op

import app.core.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_column('revision')

