"""honours of closed periods kept as snapshots; corrections of a certificate's printed name
recorded (who changed what, when)

Revision ID: honours
Revises: target
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'honours'
down_revision = 'web'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('certificate_changes',
    sa.Column('id', ID, nullable=False),
    sa.Column('certificate_id', ID, nullable=False),
    sa.Column('field', sa.String(length=16), nullable=False),
    sa.Column('old', sa.String(length=300), nullable=False),
    sa.Column('new', sa.String(length=300), nullable=False),
    sa.Column('by', sa.String(length=120), nullable=False),
    sa.Column('by_learner', sa.Boolean(), nullable=False),
    sa.Column('at', AT, nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], ondelete='CASCADE',
                            name=op.f('fk_certificate_changes_certificate_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_changes'))
    )
    op.create_index(op.f('ix_certificate_changes_certificate_id'), 'certificate_changes',
                    ['certificate_id'])
    op.create_table('honours_snapshots',
    sa.Column('id', ID, nullable=False),
    sa.Column('unit_id', ID, nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('closed_at', AT, nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ondelete='CASCADE',
                            name=op.f('fk_honours_snapshots_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_honours_snapshots')),
    sa.UniqueConstraint('unit_id', 'period', name=op.f('uq_honours_snapshots_unit_id'))
    )


def downgrade() -> None:
    op.drop_table('honours_snapshots')
    op.drop_index(op.f('ix_certificate_changes_certificate_id'), table_name='certificate_changes')
    op.drop_table('certificate_changes')
