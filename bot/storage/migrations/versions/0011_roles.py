"""roles per unit, one-time role invites, the role audit log, throttled code attempts;
group leaders' nudge opt-outs, announcements, the outbox and linked group chats

Revision ID: roles
Revises: dialogsplit
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'roles'
down_revision = 'certs'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
ACTIVE = "revoked_at IS NULL"


def _learner_fk(column: str, table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ['learners.id'],
                                   name=op.f(f'fk_{table}_{column}_learners'), ondelete=ondelete)


def upgrade() -> None:
    op.create_table('roles',
    sa.Column('id', ID, nullable=False),
    sa.Column('learner_id', ID, nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit_id', ID, nullable=False),
    sa.Column('granted_by', ID, nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    _learner_fk('learner_id', 'roles', 'CASCADE'),
    _learner_fk('granted_by', 'roles', 'SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_roles_unit_id_units'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roles'))
    )
    op.create_index('uq_roles_active', 'roles', ['learner_id', 'role', 'unit_id'], unique=True,
                    postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
    op.create_index(op.f('ix_roles_learner_id'), 'roles', ['learner_id'])
    op.create_index('ix_roles_unit_id', 'roles', ['unit_id'])

    op.create_table('role_invites',
    sa.Column('id', ID, nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('unit_id', ID, nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_by', ID, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_by', ID, nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    _learner_fk('created_by', 'role_invites', 'SET NULL'),
    _learner_fk('used_by', 'role_invites', 'SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_role_invites_unit_id_units'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_invites')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_role_invites_code_hash'))
    )

    op.create_table('role_events',
    sa.Column('id', ID, nullable=False),
    sa.Column('actor_id', ID, nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target_id', ID, nullable=True),
    sa.Column('unit_id', ID, nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    _learner_fk('actor_id', 'role_events', 'SET NULL'),
    _learner_fk('target_id', 'role_events', 'SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_role_events_unit_id_units'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_events'))
    )
    op.create_index(op.f('ix_role_events_unit_id'), 'role_events', ['unit_id'])
    op.create_index(op.f('ix_role_events_at'), 'role_events', ['at'])

    op.create_table('failed_attempts',
    sa.Column('id', ID, nullable=False),
    sa.Column('key', sa.String(length=96), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_attempts'))
    )
    op.create_index('ix_failed_attempts_key_at', 'failed_attempts', ['key', 'at'])

    op.create_table('nudge_optouts',
    sa.Column('learner_id', ID, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    _learner_fk('learner_id', 'nudge_optouts', 'CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', name=op.f('pk_nudge_optouts'))
    )
    op.create_table('announcements',
    sa.Column('id', ID, nullable=False),
    sa.Column('unit_id', ID, nullable=False),
    sa.Column('author_id', ID, nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _learner_fk('author_id', 'announcements', 'SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                            name=op.f('fk_announcements_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    op.create_index('ix_announcements_unit_created', 'announcements', ['unit_id', 'created_at'])
    op.create_table('outbox',
    sa.Column('id', ID, nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('learner_id', ID, nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('chat_id', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    _learner_fk('learner_id', 'outbox', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_key'))
    )
    op.create_index('ix_outbox_status_available', 'outbox', ['status', 'available_at'])
    op.create_index(op.f('ix_outbox_learner_id'), 'outbox', ['learner_id'])
    op.create_table('unit_chats',
    sa.Column('id', ID, nullable=False),
    sa.Column('unit_id', ID, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('added_by', ID, nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    _learner_fk('added_by', 'unit_chats', 'SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_chats_unit_id_units'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_chats')),
    sa.UniqueConstraint('channel', 'chat_id', name=op.f('uq_unit_chats_channel'))
    )
    op.create_index(op.f('ix_unit_chats_unit_id'), 'unit_chats', ['unit_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_unit_chats_unit_id'), table_name='unit_chats')
    op.drop_table('unit_chats')
    op.drop_index(op.f('ix_outbox_learner_id'), table_name='outbox')
    op.drop_index('ix_outbox_status_available', table_name='outbox')
    op.drop_table('outbox')
    op.drop_index('ix_announcements_unit_created', table_name='announcements')
    op.drop_table('announcements')
    op.drop_table('nudge_optouts')
    op.drop_index('ix_failed_attempts_key_at', table_name='failed_attempts')
    op.drop_table('failed_attempts')
    op.drop_index(op.f('ix_role_events_at'), table_name='role_events')
    op.drop_index(op.f('ix_role_events_unit_id'), table_name='role_events')
    op.drop_table('role_events')
    op.drop_table('role_invites')
    op.drop_index('ix_roles_unit_id', table_name='roles')
    op.drop_index(op.f('ix_roles_learner_id'), table_name='roles')
    op.drop_index('uq_roles_active', table_name='roles')
    op.drop_table('roles')
