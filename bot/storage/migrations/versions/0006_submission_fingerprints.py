"""submission fingerprints: MinHash LSH bands for the peer copy check

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'submission_fingerprints',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('submission_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('learner_id', sa.BigInteger(), nullable=False),
        sa.Column('lesson_id', sa.String(length=40), nullable=False),
        sa.Column('band', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_submission_fingerprints_submission_id_submissions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_fingerprints')),
    )
    op.create_index('ix_submission_fingerprints_lesson_band', 'submission_fingerprints',
                    ['lesson_id', 'band'], unique=False)
    op.create_index(op.f('ix_submission_fingerprints_submission_id'), 'submission_fingerprints',
                    ['submission_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_submission_fingerprints_submission_id'),
                  table_name='submission_fingerprints')
    op.drop_index('ix_submission_fingerprints_lesson_band', table_name='submission_fingerprints')
    op.drop_table('submission_fingerprints')
