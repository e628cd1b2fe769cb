"""The platform event inbox and processed update keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from bot.services.ports.records import InboxItem, InboxStatus
from bot.storage.models import InboxEvent, ProcessedUpdate
from bot.storage.repos.base import SqlPort


class SqlInbox(SqlPort):
    async def first_time_seen(self, channel: str, key: str, now: datetime) -> bool:
        return await self._inserted(ProcessedUpdate, channel=channel, key=key, seen_at=now)

    async def inbox_add_many(
        self, events: list[tuple[str, str, str, dict[str, Any]]], now: datetime
    ) -> set[tuple[str, str]]:
        """Insert many events in one statement; returns the (channel, key) pairs that were new."""
        if not events:
            return set()
        rows = [
            dict(
                channel=c,
                key=k,
                user_key=u,
                payload=p,
                status=InboxStatus.PENDING,
                attempts=0,
                received_at=now,
                available_at=now,
            )
            for c, k, u, p in events
        ]
        # One statement with the rows as parameters (executemany, sent as multi-row VALUES):
        # compiled once and cached, where rows inlined with .values() compile anew every time.
        stmt = (
            self._insert(InboxEvent)
            .on_conflict_do_nothing()
            .returning(InboxEvent.channel, InboxEvent.key)
        )
        connection = await self.s.connection()
        return {(c, k) for c, k in await connection.execute(stmt, rows)}

    async def inbox_claim(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[InboxItem]:
        """Take due events, keeping each user's events in order: a user's events are taken only
        from their earliest unfinished one on, and never while another worker holds one."""
        claimable = or_(
            and_(InboxEvent.status == InboxStatus.PENDING, InboxEvent.available_at <= now),
            and_(InboxEvent.status == InboxStatus.PROCESSING, InboxEvent.locked_until <= now),
        )
        query = select(InboxEvent).where(claimable).order_by(InboxEvent.id).limit(limit)
        if self.s.bind and self.s.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        candidates = {r.id: r for r in await self.s.scalars(query)}
        if not candidates:
            return []
        users = {r.user_key for r in candidates.values()}
        open_rows = await self.s.execute(
            select(InboxEvent.id, InboxEvent.user_key)
            .where(
                InboxEvent.user_key.in_(users),
                InboxEvent.status.in_((InboxStatus.PENDING, InboxStatus.PROCESSING)),
            )
            .order_by(InboxEvent.id)
        )
        taken: list[InboxEvent] = []
        blocked: set[str] = set()
        for row_id, user_key in open_rows:
            if user_key in blocked:
                continue
            row = candidates.get(row_id)
            if row is None:  # an earlier event of this user is not ours to take yet
                blocked.add(user_key)
                continue
            taken.append(row)
        for row in taken:
            row.status, row.attempts, row.locked_until = (
                InboxStatus.PROCESSING,
                row.attempts + 1,
                lease_until,
            )
        await self.s.flush()
        return [
            InboxItem(r.id, r.channel, r.key, r.user_key, dict(r.payload or {}), r.attempts)
            for r in taken
        ]

    async def inbox_done(self, item_id: int) -> None:
        # The key stays, so that a redelivery is still recognised; the content goes.
        await self.s.execute(
            update(InboxEvent)
            .where(InboxEvent.id == item_id)
            .values(status=InboxStatus.DONE, payload={}, locked_until=None, error=None)
        )

    async def inbox_retry(self, item_id: int, available_at: datetime, error: str) -> None:
        await self.s.execute(
            update(InboxEvent)
            .where(InboxEvent.id == item_id)
            .values(
                status=InboxStatus.PENDING,
                available_at=available_at,
                locked_until=None,
                error=error[:200],
            )
        )

    async def inbox_failed(self, item_id: int, error: str) -> None:
        await self.s.execute(
            update(InboxEvent)
            .where(InboxEvent.id == item_id)
            .values(status=InboxStatus.FAILED, locked_until=None, error=error[:200])
        )

    async def inbox_forget(self, user_key: str) -> int:
        return await self._changed(delete(InboxEvent).where(InboxEvent.user_key == user_key))

    async def inbox_purge(self, done_before: datetime) -> int:
        return await self._changed(
            delete(InboxEvent).where(
                InboxEvent.status.in_((InboxStatus.DONE, InboxStatus.FAILED)),
                InboxEvent.received_at < done_before,
            )
        )
