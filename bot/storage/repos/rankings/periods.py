"""A period's figures for honours (units, top learners, mentors) and closed periods' honours."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, and_, cast, func, literal, select, text, union_all

from bot.services.ports.rankings import PassMarks, PeriodUnit
from bot.storage.models import (
    ActivityDay,
    HelpfulReview,
    HonoursSnapshot,
    Learner,
    StreakFreeze,
    Unit,
    UnitClosure,
)
from bot.storage.repos.rankings.common import _STAT_COLUMNS, RankingsBase, _name, _passes
from scoring.honours import LearnerFacts, MentorFacts
from scoring.rankings import UnitFigures


class PeriodQueries(RankingsBase):
    """A period's figures and honours, for the honours service."""

    def _subtree(self, unit_id: int) -> Any:
        return select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit_id)

    async def period_figures(
        self, unit_id: int, start: date, end: date, marks: PassMarks | None
    ) -> dict[int, PeriodUnit]:
        """Every unit of the subtree with its figures over its own subtree, for [start, end)."""
        if self._postgres:
            # asyncpg prepares statements: from the sixth run PostgreSQL may switch to a generic
            # plan, which does not know which unit (or how many days) is asked for and ran this
            # ten times slower (1 s instead of 0.1 s at 2,000 learners). Planned for its values.
            await self.s.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        subtree = self._subtree(unit_id)
        direct = self._direct(start, end, marks, subtree).cte("direct")
        columns = (*_STAT_COLUMNS, "passes")
        rolled = (
            select(
                UnitClosure.ancestor_id.label("unit_id"),
                *(func.coalesce(func.sum(direct.c[c]), 0).label(c) for c in columns),
            )
            .select_from(UnitClosure)
            .outerjoin(direct, direct.c.unit_id == UnitClosure.descendant_id)
            .where(UnitClosure.ancestor_id.in_(subtree))
            .group_by(UnitClosure.ancestor_id)
            .subquery()
        )
        here = UnitClosure.__table__.alias("here")
        rows = list(
            await self.s.execute(
                select(
                    Unit.id,
                    Unit.name,
                    Unit.kind,
                    Unit.parent_id,
                    here.c.depth,
                    Unit.working_age,
                    Unit.officials,
                    Unit.business_owners,
                    *(rolled.c[c] for c in columns),
                )
                .join(rolled, rolled.c.unit_id == Unit.id)
                .join(here, and_(here.c.descendant_id == Unit.id, here.c.ancestor_id == unit_id))
            )
        )
        parents = {row[3] for row in rows}
        out: dict[int, PeriodUnit] = {}
        for (
            uid,
            name,
            kind,
            parent,
            depth,
            working_age,
            officials,
            business,
            members,
            active,
            act_off,
            act_bus,
            score_sum,
            score_count,
            passes,
        ) in rows:
            figures = UnitFigures(
                uid,
                name,
                kind,
                int(members),
                int(active),
                float(score_sum) / int(score_count) if score_count else None,
                working_age,
                officials,
                business,
                int(act_off),
                int(act_bus),
            )
            out[uid] = PeriodUnit(figures, int(passes), parent, int(depth), uid not in parents)
        return out

    def _day_number(self, column: Any) -> Any:
        if self._postgres:
            return column - literal(date(2000, 1, 1), ActivityDay.day.type)
        return cast(func.julianday(column), Integer)

    async def top_learners(
        self,
        unit_id: int,
        start: date,
        end: date,
        marks: PassMarks,
        weights: tuple[float, float, float],
        min_active_days: int,
        limit: int,
    ) -> list[LearnerFacts]:
        """The learners of the subtree whose weighted score ranks within `limit` (ties kept):
        passes, the longest streak inside the period (frozen days bridge, count nothing) and
        days studied, worked out in the database so a province's learners never reach Python."""
        members = select(Learner.id).where(
            Learner.unit_id.in_(self._subtree(unit_id)), Learner.status != "onboarding"
        )
        in_period = [
            ActivityDay.day >= start,
            ActivityDay.day < end,
            ActivityDay.learner_id.in_(members),
        ]
        days = union_all(
            select(
                ActivityDay.learner_id.label("learner_id"),
                ActivityDay.day.label("day"),
                literal(1).label("counts"),
            ).where(*in_period),
            select(StreakFreeze.learner_id, StreakFreeze.used_on, literal(0)).where(
                StreakFreeze.used_on >= start,
                StreakFreeze.used_on < end,
                StreakFreeze.learner_id.in_(members),
            ),
        ).subquery()
        islands = select(
            days.c.learner_id,
            days.c.counts,
            (
                self._day_number(days.c.day)
                - func.row_number().over(partition_by=days.c.learner_id, order_by=days.c.day)
            ).label("grp"),
        ).subquery()
        runs = (
            select(islands.c.learner_id, func.sum(islands.c.counts).label("n"))
            .group_by(islands.c.learner_id, islands.c.grp)
            .subquery()
        )
        streaks = (
            select(runs.c.learner_id, func.max(runs.c.n).label("best"))
            .group_by(runs.c.learner_id)
            .subquery()
        )
        studied = (
            select(ActivityDay.learner_id, func.count().label("days"))
            .where(*in_period)
            .group_by(ActivityDay.learner_id)
            .having(func.count() >= min_active_days)
            .subquery()
        )
        passes = _passes(start, end, marks, members)
        n_passes = func.coalesce(passes.c.passes, 0) if passes is not None else literal(0)
        best = func.coalesce(streaks.c.best, 0)
        score = weights[0] * n_passes + weights[1] * best + weights[2] * studied.c.days
        ranking = (
            select(
                Learner.id.label("id"),
                _name().label("name"),
                Unit.name.label("unit_name"),
                n_passes.label("passes"),
                best.label("best"),
                studied.c.days.label("days"),
                func.rank().over(order_by=score.desc()).label("rk"),
            )
            .select_from(studied)
            .join(Learner, Learner.id == studied.c.learner_id)
            .join(Unit, Unit.id == Learner.unit_id)
            .outerjoin(streaks, streaks.c.learner_id == Learner.id)
        )
        if passes is not None:
            ranking = ranking.outerjoin(passes, passes.c.learner_id == Learner.id)
        ranked = ranking.where(score > 0).subquery()
        rows = await self.s.execute(
            select(ranked).where(ranked.c.rk <= limit).order_by(ranked.c.rk, ranked.c.name)
        )
        return [
            LearnerFacts(r.id, r.name, r.unit_name, int(r.passes), int(r.best), int(r.days))
            for r in rows
        ]

    async def mentor_facts(self, unit_id: int, start: datetime, end: datetime) -> list[MentorFacts]:
        """Mentors of the subtree by reviews learners marked helpful in [start, end)."""
        counted = (
            select(HelpfulReview.mentor_id, func.count().label("helpful"))
            .where(HelpfulReview.created_at >= start, HelpfulReview.created_at < end)
            .group_by(HelpfulReview.mentor_id)
            .subquery()
        )
        rows = await self.s.execute(
            select(Learner.id, _name(), Unit.name, counted.c.helpful)
            .join(counted, counted.c.mentor_id == Learner.id)
            .join(Unit, Unit.id == Learner.unit_id)
            .where(Learner.unit_id.in_(self._subtree(unit_id)))
        )
        return [MentorFacts(lid, name, unit_name, int(n)) for lid, name, unit_name, n in rows]

    async def honours_snapshot(self, unit_id: int, period: str) -> dict[str, Any] | None:
        data = await self.s.scalar(
            select(HonoursSnapshot.data).where(
                HonoursSnapshot.unit_id == unit_id, HonoursSnapshot.period == period
            )
        )
        return dict(data) if data is not None else None

    async def store_honours(
        self, unit_id: int, period: str, data: dict[str, Any], now: datetime
    ) -> bool:
        return await self._inserted(
            HonoursSnapshot, unit_id=unit_id, period=period, data=data, closed_at=now
        )

    async def honours_stored(self, period: str) -> set[int]:
        return set(
            await self.s.scalars(
                select(HonoursSnapshot.unit_id).where(HonoursSnapshot.period == period)
            )
        )
