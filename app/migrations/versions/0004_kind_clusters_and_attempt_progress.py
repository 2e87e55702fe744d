"""kind: cluster records, attempt progress

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'clusterrecord',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('topology', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('attempt_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    with op.batch_alter_table('clusterrecord', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clusterrecord_topology'), ['topology'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusterrecord_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusterrecord_attempt_id'), ['attempt_id'],
                              unique=False)
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress', sqlmodel.sql.sqltypes.AutoString(),
                                      server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_column('progress')
    with op.batch_alter_table('clusterrecord', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clusterrecord_attempt_id'))
        batch_op.drop_index(batch_op.f('ix_clusterrecord_state'))
        batch_op.drop_index(batch_op.f('ix_clusterrecord_topology'))
    op.drop_table('clusterrecord')
