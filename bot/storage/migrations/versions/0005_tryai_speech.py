"""in-chat model: the exchange kept with a submission, and daily use per learner

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submissions') as batch:
        batch.add_column(sa.Column('exchange', sa.JSON(), nullable=True))
    op.create_table('tryai_usage',
    sa.Column('learner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('turns', sa.Integer(), nullable=False),
    sa.Column('tokens', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], name=op.f('fk_tryai_usage_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', 'day', name=op.f('pk_tryai_usage'))
    )
    op.create_index(op.f('ix_tryai_usage_day'), 'tryai_usage', ['day'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_tryai_usage_day'), table_name='tryai_usage')
    op.drop_table('tryai_usage')
    with op.batch_alter_table('submissions') as batch:
        batch.drop_column('exchange')
