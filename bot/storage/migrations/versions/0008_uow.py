"""points ledger: the key's parts (kind, lesson_id, seq) as columns

A lesson's practice lines were found with `key LIKE '%:learner:lesson:%'`; now by equality on
columns filled from the same key (scoring.points.LedgerKey). Existing rows are filled here.

Revision ID: uow
Revises: 0007
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'uow'
down_revision = '0007'
branch_labels = None
depends_on = None


def _parts(key: str) -> tuple[str, str, int | None] | None:
    # The key format as printed by scoring.points.LedgerKey when this migration was written
    # ("kind:learner:lesson[:seq]"); a free-form key keeps NULL parts.
    parts = key.split(":")
    if len(parts) not in (3, 4) or not parts[1].isdigit() or (
            len(parts) == 4 and not parts[3].isdigit()):
        return None
    return parts[0], parts[2], int(parts[3]) if len(parts) == 4 else None


def upgrade() -> None:
    with op.batch_alter_table('points_ledger') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('lesson_id', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('seq', sa.Integer(), nullable=True))
    conn = op.get_bind()
    ledger = sa.table('points_ledger', sa.column('id', sa.Integer), sa.column('key', sa.String),
                      sa.column('kind', sa.String), sa.column('lesson_id', sa.String),
                      sa.column('seq', sa.Integer))
    rows = conn.execute(sa.select(ledger.c.id, ledger.c.key)).all()
    filled = [{"row_id": row_id, "kind": p[0], "lesson_id": p[1], "seq": p[2]}
              for row_id, key in rows if (p := _parts(key)) is not None]
    if filled:
        conn.execute(ledger.update().where(ledger.c.id == sa.bindparam('row_id'))
                     .values(kind=sa.bindparam('kind'), lesson_id=sa.bindparam('lesson_id'),
                             seq=sa.bindparam('seq')), filled)


def downgrade() -> None:
    with op.batch_alter_table('points_ledger') as batch:
        batch.drop_column('seq')
        batch.drop_column('lesson_id')
        batch.drop_column('kind')
