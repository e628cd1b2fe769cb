"""The append-only points ledger and the standings read from it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from scoring.points import Award
from scoring.standings import GroupStats


class Ledger(Protocol):
    async def award(self, learner_id: int, award: Award, now: datetime) -> bool:
        """Write the line unless its key is already there; True when it was new."""
        ...

    async def points(self, learner_id: int) -> int: ...
    async def practice_ledger(self, learner_id: int, lesson_id: str) -> tuple[int, int]:
        """(practice lines written, their points) for one learner and lesson."""
        ...

    async def practice_points_paid(self, learner_id: int, lesson_id: str) -> int: ...
    async def learner_points_in_unit(
        self, unit_id: int | None, since: datetime | None
    ) -> list[tuple[int, str, int]]: ...
    async def group_stats(self, parent_id: int, since: datetime) -> list[GroupStats]: ...
