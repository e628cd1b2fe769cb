"""Live figures: a unit's subtree counted now (the own counts added up over the closure)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import literal, select, text

from bot.services.ports.figures import Counts, Tally, UnitInfo, Window
from bot.services.ports.rankings import PassMarks
from bot.storage.models import Unit, UnitClosure
from bot.storage.repos.figures.common import _Acc
from bot.storage.repos.figures.counts import GroupCounts


class LiveFigures(GroupCounts):
    """A subtree's figures counted now."""

    async def tallies(
        self, root_id: int, window: Window, marks: PassMarks, depth: int | None = None
    ) -> dict[int, Tally]:
        await self._tune()
        units = await self._units(root_id, depth)
        if not units:
            return {}
        # The only root of the tree (the province) covers every unit: no subtree filter, and
        # PostgreSQL reads whole tables by hash joins instead of looking up each unit's rows.
        everything = await self.s.get(Unit, root_id) is not None and await self._only_root(root_id)
        counts = await self._count(None if everything else root_id, window, marks, set(units))
        return {uid: Tally(info, counts[uid]) for uid, info in units.items()}

    async def units(self, root_id: int, depth: int | None = None) -> dict[int, UnitInfo]:
        return await self._units(root_id, depth)

    async def _tune(self) -> None:
        if self._postgres:
            # Planned for the values asked (a generic plan does not know whether a group or the
            # province is asked for: SqlRankings.period_figures); a province's aggregates sort
            # in memory, not on disk, and need no JIT compilation.
            for setting in (
                "plan_cache_mode = force_custom_plan",
                "jit = off",
                "work_mem = '64MB'",
            ):
                await self.s.execute(text(f"SET LOCAL {setting}"))

    async def _only_root(self, root_id: int) -> bool:
        roots = list(
            (
                await self.s.execute(select(Unit.id).where(Unit.parent_id.is_(None)).limit(2))
            ).scalars()
        )
        return roots == [root_id]

    async def _units(self, root_id: int | None, depth: int | None) -> dict[int, UnitInfo]:
        columns = (Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id)
        denominators = (Unit.working_age, Unit.officials, Unit.business_owners)
        if root_id is None:
            rows = await self.s.execute(select(*columns, literal(0), *denominators))
        else:
            where = [UnitClosure.ancestor_id == root_id]
            if depth is not None:
                where.append(UnitClosure.depth == depth)
            rows = await self.s.execute(
                select(*columns, UnitClosure.depth, *denominators)
                .join(UnitClosure, UnitClosure.descendant_id == Unit.id)
                .where(*where)
            )
        return {r[0]: UnitInfo(*r) for r in rows}

    async def _count(
        self, root_id: int | None, window: Window, marks: PassMarks, wanted: set[int]
    ) -> dict[int, Counts]:
        """Counts over the subtree of every unit in `wanted` (all of them under root_id)."""
        subtree = (
            select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == root_id)
            if root_id is not None
            else None
        )
        direct: dict[int, _Acc] = defaultdict(_Acc)
        await self._learner_counts(direct, subtree, window)
        await self._lessons(direct, subtree, window, marks)
        await self._certificates(direct, subtree, window)
        await self._officials(direct, subtree, window)
        await self._ethnicity(direct, subtree, window)
        await self._classes(direct, subtree, window)
        if window.trend_from is not None:
            await self._active_weeks(direct, subtree, window)
        # Added up over each wanted unit's subtree, through the closure's pairs.
        out: dict[int, _Acc] = {uid: _Acc() for uid in wanted}
        pairs = select(UnitClosure.ancestor_id, UnitClosure.descendant_id)
        if subtree is not None:
            pairs = pairs.where(
                UnitClosure.ancestor_id.in_(subtree), UnitClosure.descendant_id.in_(subtree)
            )
        if direct:
            for ancestor, descendant in await self.s.execute(pairs):
                if ancestor in out and (found := direct.get(descendant)) is not None:
                    out[ancestor].add(found)
        for ancestor, n in await self._instructors(subtree, window):
            if ancestor in out:
                out[ancestor].n["instructors"] = int(n)
        return {uid: acc.freeze(window) for uid, acc in out.items()}
