"""Stored figures: the dashboard snapshot, and closed quarters kept with the units as they were."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select

from bot.services.ports.figures import Counts, QuarterClose, Tally, UnitInfo, Window
from bot.services.ports.rankings import PassMarks
from bot.storage.models import DashboardFigures, QuarterFigures, Unit, UnitClosure
from bot.storage.models import QuarterClose as QuarterCloseRow
from bot.storage.repos.figures.live import LiveFigures


class StoredFigures(LiveFigures):
    """The dashboard snapshot and closed quarters."""

    async def refresh_snapshot(self, window: Window, marks: PassMarks, now: datetime) -> int:
        await self._tune()
        units = await self._units(None, None)
        counts = await self._count(None, window, marks, set(units))
        await self.s.execute(delete(DashboardFigures))
        rows = [
            {"unit_id": uid, "counts": c.as_json(), "since": window.start, "computed_at": now}
            for uid, c in counts.items()
        ]
        for i in range(0, len(rows), 2000):
            await self.s.execute(insert(DashboardFigures), rows[i : i + 2000])
        return len(rows)

    async def snapshot(
        self, root_id: int, depth: int | None
    ) -> tuple[dict[int, Tally], datetime | None]:
        where = [UnitClosure.ancestor_id == root_id]
        if depth is not None:
            where.append(UnitClosure.depth == depth)
        rows = await self.s.execute(
            select(
                Unit.id,
                Unit.code,
                Unit.name,
                Unit.kind,
                Unit.parent_id,
                UnitClosure.depth,
                Unit.working_age,
                Unit.officials,
                Unit.business_owners,
                DashboardFigures.counts,
                DashboardFigures.computed_at,
            )
            .join(UnitClosure, UnitClosure.descendant_id == Unit.id)
            .join(DashboardFigures, DashboardFigures.unit_id == Unit.id)
            .where(*where)
        )
        out: dict[int, Tally] = {}
        stamps: list[datetime] = []
        for row in rows:
            out[row[0]] = Tally(UnitInfo(*row[:9]), Counts.from_json(row[9]))
            stamps.append(row[10])
        return out, (min(stamps) if stamps else None)

    async def store_quarter(self, close: QuarterClose, tallies: Sequence[Tally]) -> bool:
        added = await self._inserted(
            QuarterCloseRow,
            period=close.period,
            start=close.start,
            end=close.end,
            closed_at=close.closed_at,
            units=close.units,
        )
        if not added:
            return False
        rows = [
            {
                "period": close.period,
                "unit_id": t.unit.unit_id,
                "code": t.unit.code,
                "name": t.unit.name,
                "kind": t.unit.kind,
                "parent_id": t.unit.parent_id,
                "working_age": t.unit.working_age,
                "officials": t.unit.officials,
                "business_owners": t.unit.business_owners,
                "counts": t.counts.as_json(),
            }
            for t in tallies
        ]
        for i in range(0, len(rows), 2000):
            await self.s.execute(insert(QuarterFigures), rows[i : i + 2000])
        return True

    async def quarter(self, period: str) -> QuarterClose | None:
        row = await self.s.get(QuarterCloseRow, period)
        if row is None:
            return None
        return QuarterClose(row.period, row.start, row.end, row.closed_at, row.units)

    async def quarter_tallies(self, period: str, root_id: int) -> dict[int, Tally] | None:
        """The subtree is walked from the parents stored on closing, not today's tree."""
        if await self.s.get(QuarterCloseRow, period) is None:
            return None
        rows = list(
            await self.s.execute(
                select(
                    QuarterFigures.unit_id,
                    QuarterFigures.code,
                    QuarterFigures.name,
                    QuarterFigures.kind,
                    QuarterFigures.parent_id,
                    QuarterFigures.working_age,
                    QuarterFigures.officials,
                    QuarterFigures.business_owners,
                    QuarterFigures.counts,
                ).where(QuarterFigures.period == period)
            )
        )
        by_id = {r[0]: r for r in rows}
        if root_id not in by_id:
            return None
        children: dict[int | None, list[int]] = defaultdict(list)
        for r in rows:
            children[r[4]].append(r[0])
        out: dict[int, Tally] = {}
        level, depth = [root_id], 0
        while level and depth < 32:
            below: list[int] = []
            for uid in level:
                r = by_id[uid]
                out[uid] = Tally(
                    UnitInfo(uid, r[1], r[2], r[3], r[4], depth, r[5], r[6], r[7]),
                    Counts.from_json(r[8]),
                )
                below.extend(children.get(uid, ()))
            level, depth = below, depth + 1
        return out
