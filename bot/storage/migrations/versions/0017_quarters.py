"""the officials' figures: a dashboard snapshot per unit, and closed quarters kept as they were

dashboard_figures holds each unit's figures over its subtree (JSON counts), refreshed by a
scheduled job; quarter_closes and quarter_figures keep a closed quarter's figures with the units
as they were then, so a past report does not change when learners move or leave.

Revision ID: quarters
Revises: target
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'quarters'
down_revision = 'target'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'dashboard_figures',
        sa.Column('unit_id', ID, nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('since', sa.Date(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                                name=op.f('fk_dashboard_figures_unit_id_units'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_dashboard_figures')),
    )
    op.create_table(
        'quarter_closes',
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('end', sa.Date(), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('period', name=op.f('pk_quarter_closes')),
    )
    op.create_table(
        'quarter_figures',
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('unit_id', ID, nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('parent_id', sa.BigInteger(), nullable=True),
        sa.Column('working_age', sa.Integer(), nullable=True),
        sa.Column('officials', sa.Integer(), nullable=True),
        sa.Column('business_owners', sa.Integer(), nullable=True),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['period'], ['quarter_closes.period'],
                                name=op.f('fk_quarter_figures_period_quarter_closes'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('period', 'unit_id', name=op.f('pk_quarter_figures')),
    )


def downgrade() -> None:
    op.drop_table('quarter_figures')
    op.drop_table('quarter_closes')
    op.drop_table('dashboard_figures')
