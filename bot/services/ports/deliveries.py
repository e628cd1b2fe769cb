"""The daily push: whose lesson time has come, the rows planned for it, sending them once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol


class Deliveries(Protocol):
    async def unset_due_slots(self) -> list[tuple[str, str]]: ...
    async def set_unset_due(self, zone: str, lesson_time: str, due_at: datetime) -> int: ...
    async def due_slots(self, now: datetime) -> list[tuple[str, str]]: ...
    async def plan_due(
        self,
        zone: str,
        lesson_time: str,
        now: datetime,
        day: date | None,
        due_at: datetime | None,
        next_due_at: datetime,
        limit: int,
    ) -> tuple[int, int]: ...

    # claiming, progress and finishing: `leases` (each write fenced by the holder's lease)
