"""The unit tree."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.ports.records import UnitRecord
from bot.storage.models import Unit
from bot.storage.repos.base import SqlPort


def _unit(row: Unit) -> UnitRecord:
    return UnitRecord(row.id, row.code, row.name, row.kind, row.parent_id, row.population,
                      row.join_code)


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

    async def children_of(self, unit_id: int) -> list[UnitRecord]:
        return [_unit(r) for r in await self.s.scalars(
            select(Unit).where(Unit.parent_id == unit_id).order_by(Unit.name, Unit.id))]

    async def upsert_unit(
        self, code: str, name: str, kind: str, parent_code: str | None, population: int | None,
        join_code: str,
    ) -> UnitRecord:
        parent = await self.s.scalar(select(Unit).where(Unit.code == parent_code)) if (
            parent_code) else None
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
