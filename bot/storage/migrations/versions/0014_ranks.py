"""badges, streak freezes, unit denominators, the unit closure and standing snapshots

Units gain the denominators of the plans (working-age people, officials, business owners);
unit_closure holds every ancestor/descendant pair so a subtree is one lookup (standings, honours
and the roles port's permission checks read it); unit_stats keeps
each unit's recent figures over its subtree, refreshed by a scheduled set-based query.

Revision ID: ranks
Revises: procs
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'ranks'
down_revision = 'bots'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

# Guarded against a loop in the parents (depth < 32), which the import refuses anyway.
CLOSURE = """
INSERT INTO unit_closure (ancestor_id, descendant_id, depth)
WITH RECURSIVE tree(ancestor_id, descendant_id, depth) AS (
    SELECT id, id, 0 FROM units
    UNION ALL
    SELECT tree.ancestor_id, units.id, tree.depth + 1
    FROM tree JOIN units ON units.parent_id = tree.descendant_id
    WHERE tree.depth < 32
)
SELECT ancestor_id, descendant_id, min(depth) FROM tree GROUP BY ancestor_id, descendant_id
"""


def upgrade() -> None:
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('working_age', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('officials', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('business_owners', sa.Integer(), nullable=True))
    op.create_table(
        'unit_closure',
        sa.Column('ancestor_id', ID, nullable=False),
        sa.Column('descendant_id', ID, nullable=False),
        sa.Column('depth', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['ancestor_id'], ['units.id'],
                                name=op.f('fk_unit_closure_ancestor_id_units'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['descendant_id'], ['units.id'],
                                name=op.f('fk_unit_closure_descendant_id_units'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ancestor_id', 'descendant_id', name=op.f('pk_unit_closure')),
    )
    op.create_index('ix_unit_closure_ancestor_depth', 'unit_closure', ['ancestor_id', 'depth'])
    op.create_index(op.f('ix_unit_closure_descendant_id'), 'unit_closure', ['descendant_id'])
    op.create_table(
        'unit_stats',
        sa.Column('unit_id', ID, nullable=False),
        sa.Column('members', sa.Integer(), nullable=False),
        sa.Column('active', sa.Integer(), nullable=False),
        sa.Column('active_officials', sa.Integer(), nullable=False),
        sa.Column('active_business', sa.Integer(), nullable=False),
        sa.Column('score_sum', sa.BigInteger(), nullable=False),
        sa.Column('score_count', sa.Integer(), nullable=False),
        sa.Column('since', sa.Date(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                                name=op.f('fk_unit_stats_unit_id_units'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_unit_stats')),
    )
    op.create_table(
        'badges',
        sa.Column('id', ID, nullable=False),
        sa.Column('learner_id', ID, nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('earned_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['learners.id'],
                                name=op.f('fk_badges_learner_id_learners'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_badges')),
        sa.UniqueConstraint('learner_id', 'code', name=op.f('uq_badges_learner_id')),
    )
    op.create_table(
        'streak_freezes',
        sa.Column('id', ID, nullable=False),
        sa.Column('learner_id', ID, nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('bought_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['learner_id'], ['learners.id'],
                                name=op.f('fk_streak_freezes_learner_id_learners'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_streak_freezes')),
        sa.UniqueConstraint('learner_id', 'seq', name='uq_streak_freezes_learner_id_seq'),
        sa.UniqueConstraint('learner_id', 'used_on', name='uq_streak_freezes_learner_id_used_on'),
    )
    op.create_table(
        'helpful_reviews',
        sa.Column('id', ID, nullable=False),
        sa.Column('mentor_id', ID, nullable=False),
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['mentor_id'], ['learners.id'],
                                name=op.f('fk_helpful_reviews_mentor_id_learners'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_helpful_reviews')),
        sa.UniqueConstraint('key', name=op.f('uq_helpful_reviews_key')),
    )
    op.create_index('ix_helpful_reviews_mentor_created', 'helpful_reviews',
                    ['mentor_id', 'created_at'])
    op.create_index('ix_activity_days_day', 'activity_days', ['day'])
    op.create_index('ix_progress_completed_on', 'progress', ['completed_on'])
    op.execute(CLOSURE)


def downgrade() -> None:
    op.drop_index('ix_progress_completed_on', table_name='progress')
    op.drop_index('ix_activity_days_day', table_name='activity_days')
    op.drop_index('ix_helpful_reviews_mentor_created', table_name='helpful_reviews')
    op.drop_table('helpful_reviews')
    op.drop_table('streak_freezes')
    op.drop_table('badges')
    op.drop_table('unit_stats')
    op.drop_index(op.f('ix_unit_closure_descendant_id'), table_name='unit_closure')
    op.drop_index('ix_unit_closure_ancestor_depth', table_name='unit_closure')
    op.drop_table('unit_closure')
    with op.batch_alter_table('units') as batch:
        batch.drop_column('business_owners')
        batch.drop_column('officials')
        batch.drop_column('working_age')
