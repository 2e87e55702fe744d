"""twin: snapshots in a table of their own

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 07:10:00

SQLite rewrites a whole row on every UPDATE, and every command updates its attempt's row (the
state version, the shell session): with the ~200 KB twin snapshot in that row, each command
wrote it again. Snapshots move to `twinsnapshot`, written only when one is taken. The
`cluster_state` column stays for kind attempts (their cluster's name).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'twinsnapshot',
        sa.Column('attempt_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], ),
        sa.PrimaryKeyConstraint('attempt_id'),
    )
    op.execute("INSERT INTO twinsnapshot (attempt_id, version, state) "
               "SELECT id, snapshot_version, cluster_state FROM attempt "
               "WHERE provider != 'kind' AND cluster_state != ''")
    op.execute("UPDATE attempt SET cluster_state = '' WHERE provider != 'kind'")


def downgrade() -> None:
    op.execute("UPDATE attempt SET cluster_state = (SELECT state FROM twinsnapshot "
               "WHERE twinsnapshot.attempt_id = attempt.id) "
               "WHERE id IN (SELECT attempt_id FROM twinsnapshot)")
    op.drop_table('twinsnapshot')
