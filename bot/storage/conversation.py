"""The `Conversations` port: an identity's conversation state merged by patch, in one statement.

One UPDATE reads and writes the row, so a push and a learner's turn that both patch the same
identity each keep the other's keys, on either database: PostgreSQL merges with jsonb operators
under the row lock the UPDATE takes; SQLite with its JSON functions, under its one writer lock.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.conversation import StatePatch
from bot.storage.models import Identity, UTCDateTime

_POSTGRES = text(
    "UPDATE identities SET state = ((COALESCE(state::jsonb, '{}'::jsonb) - CAST(:unset AS text[]))"
    " || CAST(:patch AS jsonb))::json WHERE id = :id"
)
_POSTGRES_DELIVERED = text(
    "UPDATE identities SET state = ((COALESCE(state::jsonb, '{}'::jsonb) - CAST(:unset AS text[]))"
    " || CAST(:patch AS jsonb))::json, last_delivered_at = :at WHERE id IN :ids"
).bindparams(bindparam("at", type_=UTCDateTime), bindparam("ids", expanding=True))


class SqlConversations:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def patch(self, identity_id: int, patch: StatePatch) -> None:
        if not patch:
            return
        dialect = self.s.bind.dialect.name if self.s.bind else "sqlite"
        if dialect == "postgresql":
            await self.s.execute(
                _POSTGRES,
                {"id": identity_id, "unset": list(patch.unset), "patch": json.dumps(patch.set)},
            )
            return
        await self.s.execute(*_sqlite(identity_id, patch))

    async def delivered(
        self, identity_id: int, at: datetime, patch: StatePatch | None = None
    ) -> None:
        await delivered(self.s, [identity_id], at, patch)

    async def window_closed(self, identity_id: int, at: datetime) -> None:
        await self.s.execute(
            update(Identity).where(Identity.id == identity_id).values(window_closed_at=at)
        )


async def delivered(
    session: AsyncSession, identity_ids: Collection[int], at: datetime, patch: StatePatch | None
) -> None:
    """Stamp the identities as delivered to, merging the same patch into each one's state: one
    statement for them all (the daily push records many deliveries at once)."""
    ids = list(identity_ids)
    if not ids:
        return
    if not patch:
        await session.execute(
            update(Identity).where(Identity.id.in_(ids)).values(last_delivered_at=at)
        )
        return
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    if dialect == "postgresql":
        await session.execute(
            _POSTGRES_DELIVERED,
            {"ids": ids, "unset": list(patch.unset), "patch": json.dumps(patch.set), "at": at},
        )
        return
    await session.execute(*_sqlite(ids, patch, delivered_at=at))


def _sqlite(
    identity_id: int | list[int], patch: StatePatch, delivered_at: datetime | None = None
) -> tuple[Any, dict[str, Any]]:
    """json_set(json_remove(state, dropped...), '$."key"', json(value), ...): each key replaced
    whole (json_patch would merge nested objects, keeping stale labels)."""
    params: dict[str, Any] = {"id": identity_id}
    expr = "COALESCE(state, '{}')"
    if patch.unset:
        expr = f"json_remove({expr}, {', '.join(_path(k) for k in patch.unset)})"
    if patch.set:
        pairs = []
        for n, (key, value) in enumerate(patch.set.items()):
            params[f"v{n}"] = json.dumps(value)
            pairs.append(f"{_path(key)}, json(:v{n})")
        expr = f"json_set({expr}, {', '.join(pairs)})"
    stamp = ""
    if delivered_at is not None:
        stamp = ", last_delivered_at = :at"
        params["at"] = delivered_at
    if isinstance(identity_id, list):  # many identities, the same patch
        statement = text(f"UPDATE identities SET state = {expr}{stamp} WHERE id IN :id")
        statement = statement.bindparams(bindparam("id", expanding=True))
    else:
        statement = text(f"UPDATE identities SET state = {expr}{stamp} WHERE id = :id")
    if delivered_at is not None:
        statement = statement.bindparams(bindparam("at", type_=UTCDateTime))
    return statement, params


def _path(key: str) -> str:
    # StatePatch allows only [A-Za-z0-9_] in keys: nothing here can break out of the literal.
    return f"'$.\"{key}\"'"
