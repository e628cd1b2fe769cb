"""Recent standings: the per-unit statistics snapshot refreshed, and the boards read from it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, text

from bot.storage.models import ActivityDay, Learner, Unit, UnitClosure, UnitStatsRow
from bot.storage.repos.rankings.common import _STAT_COLUMNS, RankingsBase
from scoring.rankings import UnitFigures


class StandingQueries(RankingsBase):
    """The recent-standings snapshot: refreshed set-based, read per parent or depth."""

    async def learners_up_to(self, limit: int) -> int:
        """How many learners there are, counting no further than `limit` (a bounded read)."""
        some = (
            select(literal(1).label("one"))
            .select_from(Learner)
            .where(Learner.status != "onboarding")
            .limit(limit)
            .subquery()
        )
        return int(await self.s.scalar(select(func.count()).select_from(some)) or 0)

    async def refresh_stats(self, since: date, now: datetime) -> int:
        """Every unit's figures over its subtree since `since`, replaced in one transaction:
        readers keep seeing the previous snapshot until it commits."""
        if self._postgres:
            # One large aggregate over the window: parallel workers each rebuilt the whole
            # per-unit table (EXPLAIN at 800,000 learners), and 4 MB of work_mem spilled it to
            # disk. Serial with room in memory it took two thirds of the time.
            for setting in (
                "jit = off",
                "max_parallel_workers_per_gather = 0",
                "work_mem = '64MB'",
            ):
                await self.s.execute(text(f"SET LOCAL {setting}"))
        direct = self._direct(since, None, None).cte("direct")
        rolled = (
            select(
                UnitClosure.ancestor_id,
                *(func.coalesce(func.sum(direct.c[c]), 0) for c in _STAT_COLUMNS),
                literal(since, ActivityDay.day.type),
                literal(now, UnitStatsRow.computed_at.type),
            )
            .select_from(UnitClosure)
            .outerjoin(direct, direct.c.unit_id == UnitClosure.descendant_id)
            .group_by(UnitClosure.ancestor_id)
        )
        await self.s.execute(delete(UnitStatsRow))
        await self.s.execute(
            insert(UnitStatsRow).from_select(
                ["unit_id", *_STAT_COLUMNS, "since", "computed_at"], rolled
            )
        )
        # Counted, not rowcount: SQLite reports -1 for an INSERT that starts with WITH.
        return int(await self.s.scalar(select(func.count()).select_from(UnitStatsRow)) or 0)

    def _board_query(self) -> Any:
        return (
            select(
                Unit.id,
                Unit.name,
                Unit.kind,
                Unit.working_age,
                Unit.officials,
                Unit.business_owners,
                *(UnitStatsRow.__table__.c[c] for c in _STAT_COLUMNS),
                UnitStatsRow.computed_at,
            )
            .select_from(Unit)
            .outerjoin(UnitStatsRow, UnitStatsRow.unit_id == Unit.id)
        )

    @staticmethod
    def _figures(rows: Any) -> tuple[list[UnitFigures], datetime | None]:
        out, stamps = [], []
        for (
            uid,
            name,
            kind,
            working_age,
            officials,
            business,
            members,
            active,
            act_off,
            act_bus,
            score_sum,
            score_count,
            computed_at,
        ) in rows:
            out.append(
                UnitFigures(
                    uid,
                    name,
                    kind,
                    int(members or 0),
                    int(active or 0),
                    float(score_sum) / int(score_count) if score_count else None,
                    working_age,
                    officials,
                    business,
                    int(act_off or 0),
                    int(act_bus or 0),
                )
            )
            if computed_at is not None:
                stamps.append(computed_at)
        return out, (min(stamps) if stamps else None)

    async def children_figures(self, parent_id: int) -> tuple[list[UnitFigures], datetime | None]:
        rows = await self.s.execute(self._board_query().where(Unit.parent_id == parent_id))
        return self._figures(rows)

    async def figures_at_depth(
        self, root_id: int, depth: int
    ) -> tuple[list[UnitFigures], datetime | None]:
        rows = await self.s.execute(
            self._board_query()
            .join(UnitClosure, UnitClosure.descendant_id == Unit.id)
            .where(UnitClosure.ancestor_id == root_id, UnitClosure.depth == depth)
        )
        return self._figures(rows)
