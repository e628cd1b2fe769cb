"""Leases on work shared by processes (`repo.leases`).

A lease says "this process is doing this until then". It is taken in one statement, so two
processes never both hold it; a process that dies simply stops renewing, the lease lapses, and the
next claim by any process takes the work up. Holders are fenced: a write by a holder whose lease
was taken over changes nothing and says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.services.ports.records import DeliveryRecord, DeliveryStatus


class Leases(Protocol):
    # background work by (kind, key): a submission to grade, a grade to regrade...
    async def claim_work(
        self, kind: str, key: str, holder: str, now: datetime, until: datetime
    ) -> bool: ...
    async def release_work(self, kind: str, key: str, holder: str) -> None: ...
    async def drop_lapsed_work(self, before: datetime) -> int: ...

    # the day's deliveries
    async def claim_deliveries(
        self,
        now: datetime,
        limit: int,
        holder: str,
        until: datetime,
        skip: frozenset[int] = frozenset(),
    ) -> list[DeliveryRecord]: ...
    async def finish_delivery(
        self,
        delivery_id: int,
        holder: str,
        status: DeliveryStatus,
        channel: str | None,
        error: str | None,
        now: datetime,
    ) -> bool:
        """End a delivery other than sent (skipped, unreachable, failed...): a delivery sent to
        the end is recorded with its last part (`repo.push.mark`)."""
        ...

    async def retry_delivery(
        self, delivery_id: int, holder: str, due_at: datetime, error: str
    ) -> bool: ...
