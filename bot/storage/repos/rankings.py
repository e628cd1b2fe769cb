"""Unit standings and honours on SQLAlchemy (the `Rankings` port): the unit closure, the
recent-standings snapshot, and a period's figures, all set-based.

The closure (unit_closure) is the one place the unit tree is walked: it is rebuilt here, after
every change to the units, and the roles port (permissions) reads subtrees and ancestors from it
too (bot/storage/repos/roles.py).

Kept whole (16 methods): it implements the one `Rankings` port, method for method."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)

from bot.services.ports.rankings import Denominators, PassMarks, PeriodUnit, UnitPlace
from bot.services.ports.records import GradeStatus
from bot.storage.models import (
    ActivityDay,
    GradeRecord,
    HelpfulReview,
    HonoursSnapshot,
    Learner,
    Progress,
    StreakFreeze,
    Submission,
    Unit,
    UnitClosure,
    UnitStatsRow,
)
from bot.storage.repos.base import SqlPort
from bot.storage.repos.certificates import RULES
from scoring.honours import LearnerFacts, MentorFacts
from scoring.rankings import UnitFigures

# Every (ancestor, descendant) pair; depth < 32 guards against a loop in the parents.
CLOSURE = """
INSERT INTO unit_closure (ancestor_id, descendant_id, depth)
WITH RECURSIVE tree(ancestor_id, descendant_id, depth) AS (
    SELECT id, id, 0 FROM units
    UNION ALL
    SELECT tree.ancestor_id, units.id, tree.depth + 1
    FROM tree JOIN units ON units.parent_id = tree.descendant_id
    WHERE tree.depth < 32
)
SELECT ancestor_id, descendant_id, min(depth) FROM tree GROUP BY ancestor_id, descendant_id
"""
# Whether the stored closure differs from the tree, either way.
CHANGED = """
WITH RECURSIVE tree(ancestor_id, descendant_id, depth) AS (
    SELECT id, id, 0 FROM units
    UNION ALL
    SELECT tree.ancestor_id, units.id, tree.depth + 1
    FROM tree JOIN units ON units.parent_id = tree.descendant_id
    WHERE tree.depth < 32
), wanted AS (
    SELECT ancestor_id, descendant_id, min(depth) AS depth FROM tree
    GROUP BY ancestor_id, descendant_id
)
SELECT EXISTS (SELECT ancestor_id, descendant_id, depth FROM wanted
               EXCEPT SELECT ancestor_id, descendant_id, depth FROM unit_closure)
    OR EXISTS (SELECT ancestor_id, descendant_id, depth FROM unit_closure
               EXCEPT SELECT ancestor_id, descendant_id, depth FROM wanted)
"""
DENOMINATORS = ("working_age", "officials", "business_owners")
_STAT_COLUMNS = (
    "members",
    "active",
    "active_officials",
    "active_business",
    "score_sum",
    "score_count",
)


def _name() -> Any:
    return case(
        (and_(Learner.show_name, Learner.display_name.is_not(None)), Learner.display_name),
        else_=Learner.nickname,
    )


def passed_lessons(
    start: date | None, end: date | None, marks: PassMarks, learners: Any = None
) -> Any:
    """The (learner_id, lesson_id, completed_on) of every lesson done in [start, end) that is
    passed, by the same rule as bot/services/passing.py: the best confirmed (final) score
    reaches the lesson's pass mark, and a capstone's must be confirmed by a model or a person.
    None when no lesson has a mark. The officials' figures (repos/figures.py) count these too."""
    by_mark: dict[int, list[str]] = {}
    for lesson_id, mark in marks.marks.items():
        by_mark.setdefault(mark, []).append(lesson_id)
    if not by_mark:
        return None
    # Exists a confirmed grade of the lesson's work at or above its mark: the same as "the best
    # confirmed score reaches the mark", but a semi-join instead of grouping every grade (a
    # province's 4 million lessons: a third of the time on PostgreSQL).
    pass_mark = case(
        *((Submission.lesson_id.in_(sorted(ids)), m) for m, ids in sorted(by_mark.items()))
    )
    confirmed: Any = GradeRecord.status == GradeStatus.FINAL
    if marks.capstones:
        confirmed = and_(
            confirmed,
            or_(Submission.lesson_id.not_in(sorted(marks.capstones)), GradeRecord.grader != RULES),
        )
    graded = (
        select(literal(1))
        .select_from(Submission)
        .join(GradeRecord, GradeRecord.submission_id == Submission.id)
        .where(
            Submission.learner_id == Progress.learner_id,
            Submission.lesson_id == Progress.lesson_id,
            confirmed,
            GradeRecord.score >= pass_mark,
        )
        .exists()
    )
    where: list[Any] = [
        Progress.completed_on.is_not(None),
        Progress.lesson_id.in_(sorted(marks.marks)),
        graded,
    ]
    where += [Progress.completed_on >= start] if start else []
    where += [Progress.completed_on < end] if end else []
    if learners is not None:
        where.append(Progress.learner_id.in_(learners))
    return (
        select(Progress.learner_id, Progress.lesson_id, Progress.completed_on)
        .where(*where)
        .subquery()
    )


def _passes(start: date, end: date | None, marks: PassMarks, learners: Any = None) -> Any:
    """Per learner, how many lessons done in [start, end) are passed (`passed_lessons`)."""
    passed = passed_lessons(start, end, marks, learners)
    if passed is None:
        return None
    return (
        select(passed.c.learner_id, func.count().label("passes"))
        .group_by(passed.c.learner_id)
        .subquery()
    )


class SqlRankings(SqlPort):
    @property
    def _postgres(self) -> bool:
        return self._dialect == "postgresql"

    # ---- the tree ----------------------------------------------------------------------------

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

    # ---- recent standings --------------------------------------------------------------------

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

    def _direct(
        self, start: date, end: date | None, marks: PassMarks | None, units: Any = None
    ) -> Any:
        """Per unit, its directly attached learners' figures over [start, end): one pass over
        the period's activity days and completed lessons, grouped by unit."""
        day_in = [ActivityDay.day >= start] + ([ActivityDay.day < end] if end else [])
        active = select(ActivityDay.learner_id).where(*day_in).distinct().subquery()
        done_in = [Progress.completed_on >= start, Progress.best_score.is_not(None)]
        done_in += [Progress.completed_on < end] if end else []
        scores = (
            select(
                Progress.learner_id,
                func.sum(Progress.best_score).label("ssum"),
                func.count().label("scount"),
            )
            .where(*done_in)
            .group_by(Progress.learner_id)
            .subquery()
        )
        is_active = active.c.learner_id.is_not(None)
        where = [Learner.unit_id.is_not(None), Learner.status != "onboarding"]
        if units is not None:
            where.append(Learner.unit_id.in_(units))
        passes = _passes(start, end, marks, select(Learner.id).where(*where)) if marks else None
        query = (
            select(
                Learner.unit_id.label("unit_id"),
                func.count().label("members"),
                func.count(active.c.learner_id).label("active"),
                func.sum(
                    case((and_(is_active, Learner.occupation == "official"), 1), else_=0)
                ).label("active_officials"),
                func.sum(
                    case((and_(is_active, Learner.occupation == "business"), 1), else_=0)
                ).label("active_business"),
                func.coalesce(func.sum(scores.c.ssum), 0).label("score_sum"),
                func.coalesce(func.sum(scores.c.scount), 0).label("score_count"),
                (
                    func.coalesce(func.sum(passes.c.passes), 0)
                    if passes is not None
                    else literal(0)
                ).label("passes"),
            )
            .select_from(Learner)
            .outerjoin(active, active.c.learner_id == Learner.id)
            .outerjoin(scores, scores.c.learner_id == Learner.id)
        )
        if passes is not None:
            query = query.outerjoin(passes, passes.c.learner_id == Learner.id)
        return query.where(*where).group_by(Learner.unit_id)

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

    # ---- a period's figures (honours) --------------------------------------------------------

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

    # ---- honours of closed periods -----------------------------------------------------------

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
