"""The unit tree: province, communes and wards, neighbourhood groups."""

from __future__ import annotations

from typing import Protocol

from bot.services.ports.records import UnitRecord


class Units(Protocol):
    async def unit(self, unit_id: int) -> UnitRecord | None: ...
    async def unit_by_join_code(self, join_code: str) -> UnitRecord | None: ...
    async def unit_by_code(self, code: str) -> UnitRecord | None: ...
    async def units(self) -> list[UnitRecord]: ...
    async def children_of(self, unit_id: int) -> list[UnitRecord]:
        """The units directly under this one, by name."""
        ...
    async def upsert_unit(
        self, code: str, name: str, kind: str, parent_code: str | None, population: int | None,
        join_code: str,
    ) -> UnitRecord: ...
