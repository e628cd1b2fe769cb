"""the officials' web dashboard: one-time sign-in links and the sessions they open

Revision ID: web
Revises: quarters
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'web'
down_revision = 'quarters'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    # One row per link sent in the chat: only the token's SHA-256 is kept. Opening the link once
    # (used_at) starts the session this row then stands for, until it expires or is signed out.
    op.create_table('web_links',
    sa.Column('id', ID, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('learner_id', ID, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'],
                            name=op.f('fk_web_links_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_links_token_hash'))
    )
    op.create_index(op.f('ix_web_links_learner_id'), 'web_links', ['learner_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_web_links_learner_id'), table_name='web_links')
    op.drop_table('web_links')
