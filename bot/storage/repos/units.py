"""The unit tree."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.services.ports.records import UnitRecord
from bot.storage.models import Unit, UnitClosure
from bot.storage.repos.base import SqlPort


def _unit(row: Unit) -> UnitRecord:
    return UnitRecord(
        row.id, row.code, row.name, row.kind, row.parent_id, row.population, row.join_code
    )


class SqlUnits(SqlPort):
    async def unit(self, unit_id: int) -> UnitRecord | None:
        row = await self.s.get(Unit, unit_id)
        return _unit(row) if row else None

    async def unit_by_join_code(self, join_code: str) -> UnitRecord | None:
        row = await self.s.scalar(select(Unit).where(Unit.join_code == join_code.upper()))
        return _unit(row) if row else None

    async def unit_by_code(self, code: str) -> UnitRecord | None:
        row = await self.s.scalar(select(Unit).where(Unit.code == code))
        return _unit(row) if row else None

    async def units(self) -> list[UnitRecord]:
        return [_unit(r) for r in await self.s.scalars(select(Unit).order_by(Unit.id))]

    async def lineage(self, unit_id: int) -> list[UnitRecord]:
        rows = await self.s.scalars(
            select(Unit)
            .join(UnitClosure, UnitClosure.ancestor_id == Unit.id)
            .where(UnitClosure.descendant_id == unit_id)
            .order_by(UnitClosure.depth)
        )
        return [_unit(r) for r in rows]

    async def units_of_kind_near(
        self, area_id: int, kinds: frozenset[str], limit: int
    ) -> list[UnitRecord]:
        of_kind = func.lower(Unit.kind).in_(sorted(kinds))
        below = select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == area_id)
        above = select(UnitClosure.ancestor_id).where(
            UnitClosure.descendant_id == area_id, UnitClosure.depth > 0
        )
        local = list(
            await self.s.scalars(
                select(Unit)
                .where(of_kind, Unit.id.in_(below))
                .order_by(Unit.name, Unit.id)
                .limit(limit)
            )
        )
        upper = list(
            await self.s.scalars(
                select(Unit)
                .where(of_kind, Unit.parent_id.in_(above))
                .order_by(Unit.name, Unit.id)
                .limit(max(0, limit - len(local)))
            )
        )
        return [_unit(r) for r in local + upper]

    async def children_of(self, unit_id: int) -> list[UnitRecord]:
        return [
            _unit(r)
            for r in await self.s.scalars(
                select(Unit).where(Unit.parent_id == unit_id).order_by(Unit.name, Unit.id)
            )
        ]

    async def upsert_unit(
        self,
        code: str,
        name: str,
        kind: str,
        parent_code: str | None,
        population: int | None,
        join_code: str,
    ) -> UnitRecord:
        parent = (
            await self.s.scalar(select(Unit).where(Unit.code == parent_code))
            if (parent_code)
            else None
        )
        if parent_code and parent is None:
            raise LookupError(parent_code)
        row = await self.s.scalar(select(Unit).where(Unit.code == code))
        if row is None:
            row = Unit(code=code, join_code=join_code)
            self.s.add(row)
        row.name, row.kind, row.population = name, kind, population
        row.parent_id = parent.id if parent else None
        await self.s.flush()
        return _unit(row)
