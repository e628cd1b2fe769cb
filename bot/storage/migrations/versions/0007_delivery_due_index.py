"""learners.next_due_at with its indexes; points ledger index on (learner_id, created_at)

The minute tick selects only the learners whose push is due (no full read of learners and
deliveries), and standings read one week per learner instead of the whole ledger.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

UNSET = "next_due_at IS NULL AND status = 'active' AND lesson_time IS NOT NULL"


def upgrade() -> None:
    # Existing learners start with NULL: the first tick works their due time out.
    with op.batch_alter_table('learners') as batch:
        batch.add_column(sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_learners_next_due_at', 'learners', ['next_due_at'])
    op.create_index('ix_learners_due_unset', 'learners', ['timezone', 'lesson_time'],
                    postgresql_where=sa.text(UNSET), sqlite_where=sa.text(UNSET))
    op.create_index('ix_points_ledger_learner_created', 'points_ledger',
                    ['learner_id', 'created_at'])
    # The new index starts with learner_id: the old one only tempted the planner into reading a
    # learner's whole history and filtering it by date.
    op.drop_index('ix_points_ledger_learner_id', table_name='points_ledger')


def downgrade() -> None:
    op.create_index('ix_points_ledger_learner_id', 'points_ledger', ['learner_id'])
    op.drop_index('ix_points_ledger_learner_created', table_name='points_ledger')
    op.drop_index('ix_learners_due_unset', table_name='learners')
    op.drop_index('ix_learners_next_due_at', table_name='learners')
    with op.batch_alter_table('learners') as batch:
        batch.drop_column('next_due_at')
