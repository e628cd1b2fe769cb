"""The unit tree for rankings: the closure rebuilt, denominators set, a unit's place."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select, text, update

from bot.services.ports.rankings import Denominators, UnitPlace
from bot.storage.models import Unit, UnitClosure
from bot.storage.repos.rankings.common import CHANGED, CLOSURE, DENOMINATORS, RankingsBase


class TreeQueries(RankingsBase):
    """The closure (the one place the unit tree is walked), denominators, a unit's place."""

    async def rebuild_closure(self) -> int:
        """Rebuilt whole when the tree changed (a province's tree is tens of thousands of rows);
        an import that changed no parent writes nothing, as the units' own upsert does not."""
        if await self.s.scalar(text(CHANGED)):
            await self.s.execute(delete(UnitClosure))
            await self.s.execute(text(CLOSURE))
        return int(await self.s.scalar(select(func.count()).select_from(UnitClosure)) or 0)

    async def set_denominators(
        self, code: str, values: Denominators, columns: frozenset[str]
    ) -> None:
        """Only the columns the file has: an older file without them leaves them as they were."""
        changes = {c: getattr(values, c) for c in DENOMINATORS if c in columns}
        if changes:  # written only when they differ: a repeated import writes nothing
            differ = or_(*(getattr(Unit, c).is_distinct_from(v) for c, v in changes.items()))
            await self.s.execute(update(Unit).where(Unit.code == code, differ).values(**changes))

    async def place(self, unit_id: int) -> UnitPlace | None:
        unit = await self.s.get(Unit, unit_id)
        if unit is None:
            return None
        root = (
            await self.s.execute(
                select(UnitClosure.ancestor_id, UnitClosure.depth)
                .where(UnitClosure.descendant_id == unit_id)
                .order_by(UnitClosure.depth.desc())
                .limit(1)
            )
        ).first()
        root_id, depth = (root[0], root[1]) if root else (unit.id, 0)
        return UnitPlace(unit.id, unit.code, unit.name, unit.kind, unit.parent_id, root_id, depth)
