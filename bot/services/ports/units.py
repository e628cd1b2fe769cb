"""The unit tree: province, communes and wards, neighbourhood groups."""

from __future__ import annotations

from typing import Protocol

from bot.services.ports.records import UnitRecord


class Units(Protocol):
    async def unit(self, unit_id: int) -> UnitRecord | None: ...
    async def unit_by_join_code(self, join_code: str) -> UnitRecord | None: ...
    async def unit_by_code(self, code: str) -> UnitRecord | None: ...
    async def units(self) -> list[UnitRecord]: ...
    async def lineage(self, unit_id: int) -> list[UnitRecord]:
        """The unit and its ancestors, the unit first and the root last (unit_closure)."""
        ...

    async def units_of_kind_near(
        self, area_id: int, kinds: frozenset[str], limit: int
    ) -> list[UnitRecord]:
        """Units whose kind (lower-cased) is one of `kinds`: those in the area's subtree first,
        then those directly under one of the area's ancestors (a province's departments), each
        part by name; at most `limit`."""
        ...

    async def children_of(self, unit_id: int) -> list[UnitRecord]:
        """The units directly under this one, by name."""
        ...

    async def upsert_unit(
        self,
        code: str,
        name: str,
        kind: str,
        parent_code: str | None,
        population: int | None,
        join_code: str,
    ) -> UnitRecord: ...
