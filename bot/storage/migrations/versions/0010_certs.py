"""lesson_reviews (review days) and certificates (one per learner and level)

Revision ID: certs
Revises: dialogsplit
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'certs'
down_revision = 'dialogsplit'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'lesson_reviews',
        sa.Column('id', Id, nullable=False),
        sa.Column('learner_id', Id, sa.ForeignKey('learners.id', ondelete='CASCADE',
                                                  name='fk_lesson_reviews_learner_id_learners'),
                  nullable=False),
        sa.Column('lesson_id', sa.String(40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('retried_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_lesson_reviews'),
        sa.UniqueConstraint('learner_id', 'day', name='uq_lesson_reviews_learner_id'),
    )
    op.create_table(
        'certificates',
        sa.Column('id', Id, nullable=False),
        sa.Column('code', sa.String(16), nullable=False),
        sa.Column('learner_id', Id, sa.ForeignKey('learners.id', ondelete='CASCADE',
                                                  name='fk_certificates_learner_id_learners'),
                  nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('level_title', sa.String(120), nullable=False),
        sa.Column('full_name', sa.String(80), nullable=True),
        sa.Column('name_draft', sa.String(80), nullable=True),
        sa.Column('unit_id', Id, sa.ForeignKey('units.id', ondelete='SET NULL',
                                               name='fk_certificates_unit_id_units'),
                  nullable=True),
        sa.Column('unit_name', sa.String(300), nullable=False),
        sa.Column('lessons_passed', sa.Integer(), nullable=False),
        sa.Column('average_score', sa.Integer(), nullable=False),
        sa.Column('capstone_score', sa.Integer(), nullable=False),
        sa.Column('earned_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('issued_on', sa.Date(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by', sa.String(120), nullable=True),
        sa.Column('revoke_reason', sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_certificates'),
        sa.UniqueConstraint('code', name='uq_certificates_code'),
        sa.UniqueConstraint('learner_id', 'level', name='uq_certificates_learner_id'),
    )
    op.create_index('ix_certificates_unit_id', 'certificates', ['unit_id'])


def downgrade() -> None:
    op.drop_index('ix_certificates_unit_id', table_name='certificates')
    op.drop_table('certificates')
    op.drop_table('lesson_reviews')
