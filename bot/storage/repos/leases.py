"""`repo.leases` on SQLAlchemy: leases on deliveries and on background work, each taken or
renewed by one statement (skip-locked on PostgreSQL; SQLite's single writer serialises them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from bot.services.ports.records import DeliveryRecord, DeliveryStatus
from bot.storage.models import Delivery, WorkLease
from bot.storage.repos.base import SqlPort


class SqlLeases(SqlPort):
    @property
    def _postgres(self) -> bool:
        return self._dialect == "postgresql"

    # ---- background work -----------------------------------------------------------------

    async def claim_work(
        self, kind: str, key: str, holder: str, now: datetime, until: datetime
    ) -> bool:
        """Take (kind, key) until `until` if nobody holds it, or its holder's lease lapsed.

        One upsert: on PostgreSQL a racing claim waits for the first one's commit and then finds
        the lease held; on SQLite the database's one writer orders them the same way.
        """
        stmt = self._insert(WorkLease).values(kind=kind, key=key, holder=holder, expires_at=until)
        stmt = stmt.on_conflict_do_update(
            index_elements=[WorkLease.kind, WorkLease.key],
            set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at},
            where=or_(WorkLease.expires_at <= now, WorkLease.holder == holder),
        ).returning(WorkLease.key)
        return (await self.s.execute(stmt)).first() is not None

    async def release_work(self, kind: str, key: str, holder: str) -> None:
        """Give the work back at once (it was not done: anyone may claim it again)."""
        await self.s.execute(
            delete(WorkLease).where(
                WorkLease.kind == kind, WorkLease.key == key, WorkLease.holder == holder
            )
        )

    async def drop_lapsed_work(self, before: datetime) -> int:
        """Forget leases that lapsed before `before` (their work is done or will be claimed anew)."""
        result = await self.s.execute(delete(WorkLease).where(WorkLease.expires_at < before))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # ---- deliveries ----------------------------------------------------------------------

    async def claim_deliveries(
        self,
        now: datetime,
        limit: int,
        holder: str,
        until: datetime,
        skip: frozenset[int] = frozenset(),
    ) -> list[DeliveryRecord]:
        """Take up to `limit` deliveries: first those whose holder stopped making progress (its
        lease lapsed: a process that died, or one stuck), then due pending ones. Called on every
        tick, so a dead worker's rows go on within one lease, not at the next start. `skip`: the
        caller's own deliveries in progress, never taken from itself."""
        lapsed = and_(
            Delivery.status == DeliveryStatus.SENDING,
            or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now),
        )
        if skip:  # the caller's own deliveries still in progress, however late their lease
            lapsed = and_(lapsed, Delivery.id.not_in(skip))
        due = and_(Delivery.status == DeliveryStatus.PENDING, Delivery.due_at <= now)
        taken: list[Any] = []
        for free in (lapsed, due):  # each an ordered range of the (status, due_at) index
            if len(taken) >= limit:
                break
            taken += await self._take(free, limit - len(taken), holder, now, until)
        return [
            DeliveryRecord(r.id, r.learner_id, r.day, r.lesson_id, r.parts_sent, r.attempts)
            for r in taken
        ]

    async def _take(
        self, free: Any, limit: int, holder: str, now: datetime, until: datetime
    ) -> list[Any]:
        # By due time alone (no tie-break on id): the index gives that order without a sort,
        # however many rows are due at 07:00.
        ids = select(Delivery.id).where(free).order_by(Delivery.due_at).limit(limit)
        if self._postgres:
            ids = ids.with_for_update(skip_locked=True)  # racing workers take different rows
        stmt = (
            update(Delivery)
            .where(Delivery.id.in_(ids.scalar_subquery()))
            .values(
                status=DeliveryStatus.SENDING,
                attempts=Delivery.attempts + 1,
                sent_at=now,
                lease_owner=holder,
                lease_until=until,
            )
            .returning(
                Delivery.id,
                Delivery.learner_id,
                Delivery.day,
                Delivery.lesson_id,
                Delivery.parts_sent,
                Delivery.attempts,
                Delivery.due_at,
            )
            .execution_options(synchronize_session=False)
        )
        return sorted((await self.s.execute(stmt)).all(), key=lambda r: (r.due_at, r.id))

    def _held(self, delivery_id: int, holder: str) -> Any:
        return and_(
            Delivery.id == delivery_id,
            Delivery.lease_owner == holder,
            Delivery.status == DeliveryStatus.SENDING,
        )

    async def _fenced(self, delivery_id: int, holder: str, **values: Any) -> bool:
        result = await self.s.execute(
            update(Delivery)
            .where(self._held(delivery_id, holder))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def finish_delivery(
        self,
        delivery_id: int,
        holder: str,
        status: DeliveryStatus,
        channel: str | None,
        error: str | None,
        now: datetime,
    ) -> bool:
        return await self._fenced(
            delivery_id,
            holder,
            status=status,
            channel=channel,
            error=(error or "")[:200] or None,
            sent_at=now,
            lease_owner=None,
            lease_until=None,
        )

    async def retry_delivery(
        self, delivery_id: int, holder: str, due_at: datetime, error: str
    ) -> bool:
        return await self._fenced(
            delivery_id,
            holder,
            status=DeliveryStatus.PENDING,
            due_at=due_at,
            error=error[:200],
            lease_owner=None,
            lease_until=None,
        )
