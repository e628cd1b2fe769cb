"""identities.window_closed_at; last_ok and window_closed_at move out of the state JSON

The conversation state is now written by patch; the two delivery stamps become columns that the
push sets alone. `last_ok` goes into the existing (never written) `last_delivered_at` column.

Revision ID: dialogsplit
Revises: 0007
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = 'dialogsplit'
down_revision = 'uow'
branch_labels = None
depends_on = None

MOVED = {"last_ok": "last_delivered_at", "window_closed_at": "window_closed_at"}

identities = sa.table(
    'identities',
    sa.column('id', sa.BigInteger()),
    sa.column('state', sa.JSON()),
    sa.column('last_delivered_at', sa.DateTime(timezone=True)),
    sa.column('window_closed_at', sa.DateTime(timezone=True)),
)


def _stamp(value: object) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    # Stored in UTC: SQLite's DATETIME keeps no zone (as bot.storage.models.UTCDateTime does).
    return stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _rows_with(bind: sa.engine.Connection, keys: tuple[str, ...]) -> list[tuple[int, dict]]:
    as_text = sa.cast(identities.c.state, sa.Text)
    found = bind.execute(sa.select(identities.c.id, identities.c.state).where(
        sa.or_(*(as_text.like(f'%"{key}"%') for key in keys))))
    return [(row.id, dict(row.state or {})) for row in found]


def upgrade() -> None:
    with op.batch_alter_table('identities') as batch:
        batch.add_column(sa.Column('window_closed_at', sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    for ident_id, state in _rows_with(bind, tuple(MOVED)):
        values: dict[str, object] = {}
        for key, column in MOVED.items():
            if key in state:
                values[column] = _stamp(state.pop(key))
        if values:
            bind.execute(identities.update().where(identities.c.id == ident_id)
                         .values(state=state, **values))


def downgrade() -> None:
    bind = op.get_bind()
    found = bind.execute(sa.select(
        identities.c.id, identities.c.state, identities.c.last_delivered_at,
        identities.c.window_closed_at,
    ).where(sa.or_(identities.c.last_delivered_at.is_not(None),
                   identities.c.window_closed_at.is_not(None))))
    for row in list(found):
        state = dict(row.state or {})
        for key, column in MOVED.items():
            stamp = getattr(row, column)
            if stamp is not None:
                if stamp.tzinfo is None:  # SQLite keeps no zone; the values are UTC
                    stamp = stamp.replace(tzinfo=UTC)
                state[key] = stamp.isoformat()
        bind.execute(identities.update().where(identities.c.id == row.id)
                     .values(state=state, last_delivered_at=None))
    with op.batch_alter_table('identities') as batch:
        batch.drop_column('window_closed_at')
