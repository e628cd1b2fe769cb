"""Reads and writes only the tests need, on a transaction's unit of work (not part of any port)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.storage.models import Delivery, Identity, InboxEvent, Learner, Submission
from bot.storage.uow import SqlUnitOfWork

_TABLES: dict[str, type] = {
    "deliveries": Delivery,
    "learners": Learner,
    "submissions": Submission,
    "inbox": InboxEvent,
    "identities": Identity,
}


async def count_rows(repo: SqlUnitOfWork, table: str) -> int:
    """How many rows a table holds: "deliveries", "learners", "submissions", "inbox", "identities"."""
    model = _TABLES[table]
    return int(await repo.s.scalar(select(func.count()).select_from(model)) or 0)


async def inbox_add(
    repo: SqlUnitOfWork,
    channel: str,
    key: str,
    user_key: str,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """One event into the inbox, the way a webhook stores a batch: True when it was new."""
    return bool(await repo.inbox.inbox_add_many([(channel, key, user_key, payload)], now))
