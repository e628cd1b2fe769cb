"""bots per unit: credentials of a unit's own Telegram bot or Zalo OA; identities.bot_id

Revision ID: bots
Revises: procs
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'bots'
down_revision = 'procs'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'bots',
        sa.Column('id', Id, nullable=False),
        sa.Column('unit_id', Id, nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('token', sa.Text(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('webhook_secret', sa.String(length=256), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_bots_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bots')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_bots_token_hash')),
    )
    op.create_index(op.f('ix_bots_unit_id'), 'bots', ['unit_id'])
    # Existing identities came through the default bot: NULL.
    with op.batch_alter_table('identities') as batch:
        batch.add_column(sa.Column('bot_id', Id, nullable=True))
        batch.create_foreign_key(op.f('fk_identities_bot_id_bots'), 'bots', ['bot_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_index(op.f('ix_identities_bot_id'), ['bot_id'])


def downgrade() -> None:
    with op.batch_alter_table('identities') as batch:
        batch.drop_index(op.f('ix_identities_bot_id'))
        batch.drop_constraint(op.f('fk_identities_bot_id_bots'), type_='foreignkey')
        batch.drop_column('bot_id')
    op.drop_index(op.f('ix_bots_unit_id'), table_name='bots')
    op.drop_table('bots')
