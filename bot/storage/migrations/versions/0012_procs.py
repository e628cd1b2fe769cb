"""Leases for work shared by processes: deliveries carry their holder and lease; `work_leases`
holds one lease per piece of background work (a submission to grade, a grade to regrade).

The APScheduler job table goes: the one scheduler process keeps its jobs in memory (they are
defined in code and re-added at start; what they work on lives in the tables).

Revision ID: procs
Revises: certs
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'procs'
down_revision = 'roles'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.add_column(sa.Column('lease_owner', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'work_leases',
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('holder', sa.String(length=40), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'key', name=op.f('pk_work_leases')),
    )
    op.create_index('ix_work_leases_expires_at', 'work_leases', ['expires_at'])
    op.execute("DROP TABLE IF EXISTS scheduler_jobs")


def downgrade() -> None:
    op.drop_index('ix_work_leases_expires_at', table_name='work_leases')
    op.drop_table('work_leases')
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_column('lease_until')
        batch.drop_column('lease_owner')
