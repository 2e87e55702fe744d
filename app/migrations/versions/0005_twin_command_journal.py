"""twin: a journal of commands since the last snapshot

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 04:00:00

Commands no longer rewrite the whole twin into `attempt.cluster_state`: each appends a small
`twincommand` row, and the snapshot is rewritten every few commands (`snapshot_version`).
Existing attempts carry on from their snapshot: it is the twin at `state_version`.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'twincommand',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('host_time', sa.Float(), nullable=False),
        sa.Column('via', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('line', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('session', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('attempt_id', 'version'),
    )
    with op.batch_alter_table('twincommand', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_twincommand_attempt_id'), ['attempt_id'],
                              unique=False)
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snapshot_version', sa.Integer(), server_default='0',
                                      nullable=False))
    op.execute("UPDATE attempt SET snapshot_version = state_version")


def downgrade() -> None:
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_column('snapshot_version')
    with op.batch_alter_table('twincommand', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_twincommand_attempt_id'))
    op.drop_table('twincommand')
