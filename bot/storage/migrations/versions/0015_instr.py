"""core instructors and mentors: classes and their members, in-person sessions and check-ins,
challenges and their outbox, mentors' peer reviews, mentors' invite links and referrals

Revision ID: instr
Revises: procs
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'instr'
down_revision = 'ranks'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
AT = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    referred = target.split('.')[0]
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete,
                                   name=op.f(f'fk_{table}_{column}_{referred}'))


def upgrade() -> None:
    op.create_table('classes',
    sa.Column('unit_id', ID, nullable=False),
    sa.Column('opened_by', ID, nullable=True),
    sa.Column('opened_at', AT, nullable=False),
    sa.Column('closed_at', AT, nullable=True),
    _fk('classes', 'opened_by', 'learners.id', 'SET NULL'),
    _fk('classes', 'unit_id', 'units.id', 'CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_classes'))
    )

    op.create_table('class_members',
    sa.Column('id', ID, nullable=False),
    sa.Column('class_id', ID, nullable=False),
    sa.Column('learner_id', ID, nullable=False),
    sa.Column('joined_at', AT, nullable=False),
    _fk('class_members', 'class_id', 'units.id', 'CASCADE'),
    _fk('class_members', 'learner_id', 'learners.id', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_members')),
    sa.UniqueConstraint('class_id', 'learner_id', name=op.f('uq_class_members_class_id'))
    )
    op.create_index(op.f('ix_class_members_learner_id'), 'class_members', ['learner_id'])

    op.create_table('class_sessions',
    sa.Column('id', ID, nullable=False),
    sa.Column('class_id', ID, nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('opened_by', ID, nullable=True),
    sa.Column('starts_at', AT, nullable=False),
    sa.Column('ends_at', AT, nullable=False),
    _fk('class_sessions', 'class_id', 'units.id', 'CASCADE'),
    _fk('class_sessions', 'opened_by', 'learners.id', 'SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_sessions')),
    sa.UniqueConstraint('code', name=op.f('uq_class_sessions_code'))
    )
    op.create_index(op.f('ix_class_sessions_class_id'), 'class_sessions', ['class_id'])

    op.create_table('session_checkins',
    sa.Column('id', ID, nullable=False),
    sa.Column('session_id', ID, nullable=False),
    sa.Column('learner_id', ID, nullable=False),
    sa.Column('at', AT, nullable=False),
    _fk('session_checkins', 'learner_id', 'learners.id', 'CASCADE'),
    _fk('session_checkins', 'session_id', 'class_sessions.id', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_checkins')),
    sa.UniqueConstraint('session_id', 'learner_id', name=op.f('uq_session_checkins_session_id'))
    )
    op.create_index(op.f('ix_session_checkins_learner_id'), 'session_checkins', ['learner_id'])

    op.create_table('challenges',
    sa.Column('id', ID, nullable=False),
    sa.Column('unit_id', ID, nullable=False),
    sa.Column('created_by', ID, nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('lesson_id', sa.String(length=40), nullable=True),
    sa.Column('criteria', sa.JSON(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('deadline', AT, nullable=False),
    sa.Column('created_at', AT, nullable=False),
    sa.Column('closed_at', AT, nullable=True),
    _fk('challenges', 'created_by', 'learners.id', 'SET NULL'),
    _fk('challenges', 'unit_id', 'units.id', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenges'))
    )
    op.create_index('ix_challenges_closed_deadline', 'challenges', ['closed_at', 'deadline'])
    op.create_index(op.f('ix_challenges_unit_id'), 'challenges', ['unit_id'])

    op.create_table('challenge_sends',
    sa.Column('id', ID, nullable=False),
    sa.Column('challenge_id', ID, nullable=False),
    sa.Column('learner_id', ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=True),
    sa.Column('updated_at', AT, nullable=False),
    _fk('challenge_sends', 'challenge_id', 'challenges.id', 'CASCADE'),
    _fk('challenge_sends', 'learner_id', 'learners.id', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_sends')),
    sa.UniqueConstraint('challenge_id', 'learner_id', 'kind',
                        name=op.f('uq_challenge_sends_challenge_id'))
    )
    op.create_index(op.f('ix_challenge_sends_learner_id'), 'challenge_sends', ['learner_id'])
    op.create_index('ix_challenge_sends_status_id', 'challenge_sends', ['status', 'id'])

    op.create_table('peer_reviews',
    sa.Column('id', ID, nullable=False),
    sa.Column('submission_id', ID, nullable=False),
    sa.Column('mentor_id', ID, nullable=False),
    sa.Column('marks', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', AT, nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=True),
    sa.Column('judged_by', ID, nullable=True),
    sa.Column('judged_at', AT, nullable=True),
    _fk('peer_reviews', 'judged_by', 'learners.id', 'SET NULL'),
    _fk('peer_reviews', 'mentor_id', 'learners.id', 'CASCADE'),
    _fk('peer_reviews', 'submission_id', 'submissions.id', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_reviews')),
    sa.UniqueConstraint('submission_id', 'mentor_id', name=op.f('uq_peer_reviews_submission_id'))
    )
    op.create_index(op.f('ix_peer_reviews_mentor_id'), 'peer_reviews', ['mentor_id'])
    op.create_index(op.f('ix_peer_reviews_submission_id'), 'peer_reviews', ['submission_id'])

    op.create_table('mentor_links',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('learner_id', ID, nullable=False),
    sa.Column('created_at', AT, nullable=False),
    _fk('mentor_links', 'learner_id', 'learners.id', 'CASCADE'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_mentor_links')),
    sa.UniqueConstraint('learner_id', name=op.f('uq_mentor_links_learner_id'))
    )

    op.create_table('referrals',
    sa.Column('learner_id', ID, nullable=False),
    sa.Column('mentor_id', ID, nullable=False),
    sa.Column('at', AT, nullable=False),
    _fk('referrals', 'learner_id', 'learners.id', 'CASCADE'),
    _fk('referrals', 'mentor_id', 'learners.id', 'CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', name=op.f('pk_referrals'))
    )
    op.create_index(op.f('ix_referrals_mentor_id'), 'referrals', ['mentor_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_referrals_mentor_id'), table_name='referrals')
    op.drop_table('referrals')
    op.drop_table('mentor_links')
    op.drop_index(op.f('ix_peer_reviews_submission_id'), table_name='peer_reviews')
    op.drop_index(op.f('ix_peer_reviews_mentor_id'), table_name='peer_reviews')
    op.drop_table('peer_reviews')
    op.drop_index('ix_challenge_sends_status_id', table_name='challenge_sends')
    op.drop_index(op.f('ix_challenge_sends_learner_id'), table_name='challenge_sends')
    op.drop_table('challenge_sends')
    op.drop_index(op.f('ix_challenges_unit_id'), table_name='challenges')
    op.drop_index('ix_challenges_closed_deadline', table_name='challenges')
    op.drop_table('challenges')
    op.drop_index(op.f('ix_session_checkins_learner_id'), table_name='session_checkins')
    op.drop_table('session_checkins')
    op.drop_index(op.f('ix_class_sessions_class_id'), table_name='class_sessions')
    op.drop_table('class_sessions')
    op.drop_index(op.f('ix_class_members_learner_id'), table_name='class_members')
    op.drop_table('class_members')
    op.drop_table('classes')
