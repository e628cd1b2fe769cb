"""target groups: a learner's agency (an office-team unit, for officials) and an optional
ethnicity asked with its own consent

Revision ID: target
Revises: instr
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'target'
down_revision = 'instr'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('learners') as batch:
        batch.add_column(sa.Column('agency_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                   nullable=True))
        batch.add_column(sa.Column('ethnicity', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('ethnicity_consent_at', sa.DateTime(timezone=True),
                                   nullable=True))
        batch.create_index(batch.f('ix_learners_agency_id'), ['agency_id'])
        batch.create_foreign_key(batch.f('fk_learners_agency_id_units'), 'units', ['agency_id'],
                                 ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('learners') as batch:
        batch.drop_constraint(batch.f('fk_learners_agency_id_units'), type_='foreignkey')
        batch.drop_index(batch.f('ix_learners_agency_id'))
        batch.drop_column('ethnicity_consent_at')
        batch.drop_column('ethnicity')
        batch.drop_column('agency_id')
