"""The officials' figures on SQLAlchemy (the `Figures` port).

Counted set-based: a handful of grouped queries give each unit's own learners' counts (one pass
over the period's rows each, grouped by unit), and the unit closure adds them up over every
subtree in one walk of its pairs. Distinct people who could be counted under two units of a
subtree (instructors) are counted per ancestor in SQL instead. The dashboard snapshot stores the
result per unit; a closed quarter stores it with the units as they were."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, delete, func, insert, literal, or_, select, text

from bot.services.ports.figures import (
    GROUPS,
    WORKING_AGE,
    Counts,
    QuarterClose,
    Tally,
    TargetGroupFigures,
    TrendPoint,
    UnitInfo,
    Window,
)
from bot.services.ports.rankings import PassMarks
from bot.storage.models import (
    ActivityDay,
    Certificate,
    ClassInfo,
    ClassSession,
    DashboardFigures,
    Learner,
    Progress,
    QuarterFigures,
    RoleGrant,
    SessionCheckin,
    Unit,
    UnitClosure,
)
from bot.storage.models import QuarterClose as QuarterCloseRow
from bot.storage.repos.base import SqlPort
from bot.storage.repos.rankings import passed_lessons

MONDAY = date(2000, 1, 3)  # weeks are numbered from this Monday
_SCALARS = (
    "learners",
    "started",
    "started_working_age",
    "certified_working_age",
    "active",
    "active_week",
    "lessons_done",
    "lessons_passed",
    "done_in_period",
    "passed_in_period",
    "revoked",
    "officials_started",
    "officials_learners",
    "business_started",
    "instructors",
    "classes",
    "sessions",
    "attendance",
)


@dataclass
class _Acc:
    """One unit's counts while they are being added up."""

    n: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_SCALARS, 0))
    certificates: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    groups: dict[str, list[int]] = field(default_factory=dict)
    ethnicity: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    trend: dict[int, list[int]] = field(default_factory=dict)  # week number -> 3 counts

    def add(self, other: _Acc) -> None:
        for k, v in other.n.items():
            self.n[k] += v
        for level, c in other.certificates.items():
            self.certificates[level] += c
        for g, vals in other.groups.items():
            mine = self.groups.setdefault(g, [0, 0, 0, 0])
            for i, v in enumerate(vals):
                mine[i] += v
        for e, c in other.ethnicity.items():
            self.ethnicity[e] += c
        for w, vals in other.trend.items():
            week = self.trend.setdefault(w, [0, 0, 0])
            for i, v in enumerate(vals):
                week[i] += v

    def group(self, name: str | None) -> list[int]:
        key = name if name in GROUPS else "other"
        return self.groups.setdefault(key, [0, 0, 0, 0])

    def freeze(self, window: Window) -> Counts:
        trend: tuple[TrendPoint, ...] = ()
        if window.trend_from is not None:
            first = _week_number(window.trend_from)
            last = _week_number(window.end - timedelta(days=1))
            trend = tuple(
                TrendPoint(MONDAY + timedelta(weeks=w), *self.trend.get(w, (0, 0, 0)))
                for w in range(first, last + 1)
            )
        return Counts(
            **self.n,
            certificates={k: v for k, v in sorted(self.certificates.items()) if v},
            by_group={g: TargetGroupFigures(*self.groups.get(g, (0, 0, 0, 0))) for g in GROUPS},
            ethnicity={k: v for k, v in sorted(self.ethnicity.items()) if v},
            trend=trend,
        )


def _week_number(day: date) -> int:
    return (day - MONDAY).days // 7


def _at_most(start: date, week_start: date) -> date:
    return min(start, week_start)


class SqlFigures(SqlPort):
    @property
    def _postgres(self) -> bool:
        return self._dialect == "postgresql"

    def _week(self, column: Any) -> Any:
        """The week number of a date column (weeks from MONDAY), in SQL."""
        if self._postgres:
            return (column - literal(MONDAY, ActivityDay.day.type)) // 7
        return cast((func.julianday(column) - func.julianday(MONDAY.isoformat())) / 7, Integer)

    # ---- live ------------------------------------------------------------------------------

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

    def _members(self, subtree: Any, window: Window) -> list[Any]:
        where = [
            Learner.unit_id.is_not(None),
            Learner.status != "onboarding",
            Learner.created_at < window.end_at,
        ]
        if subtree is not None:
            where.append(Learner.unit_id.in_(subtree))
        return where

    def _working_age(self, window: Window) -> Any:
        """1 when the learner is of working age at the period's end, or did not say their age."""
        age = window.end.year - Learner.birth_year
        return case(
            (Learner.birth_year.is_(None), 1),
            (and_(age >= WORKING_AGE[0], age <= WORKING_AGE[1]), 1),
            else_=0,
        )

    def _started(self, window: Window, learners: Any) -> Any:
        """The learners who did at least one lesson before the end."""
        where = [Progress.completed_on.is_not(None), Progress.completed_on < window.end]
        if learners is not None:
            where.append(Progress.learner_id.in_(learners))
        return select(Progress.learner_id).where(*where).distinct().subquery()

    async def _learner_counts(self, direct: dict[int, _Acc], subtree: Any, window: Window) -> None:
        """Per unit, occupation and working age: learners, who started, who studied."""
        where = self._members(subtree, window)
        learners = select(Learner.id).where(*where) if subtree is not None else None
        started = self._started(window, learners)
        first = _at_most(window.start, window.week_start)
        days = [ActivityDay.day >= first, ActivityDay.day < window.end]
        if learners is not None:
            days.append(ActivityDay.learner_id.in_(learners))
        active = (
            select(
                ActivityDay.learner_id,
                func.max(case((ActivityDay.day >= window.start, 1), else_=0)).label("p"),
                func.max(case((ActivityDay.day >= window.week_start, 1), else_=0)).label("wk"),
            )
            .where(*days)
            .group_by(ActivityDay.learner_id)
            .subquery()
        )
        is_started = case((started.c.learner_id.is_not(None), 1), else_=0)
        wa = self._working_age(window)
        query = (
            select(
                Learner.unit_id,
                Learner.occupation,
                wa.label("wa"),
                func.count(),
                func.sum(is_started),
                func.coalesce(func.sum(active.c.p), 0),
                func.coalesce(func.sum(active.c.wk), 0),
            )
            .select_from(Learner)
            .outerjoin(started, started.c.learner_id == Learner.id)
            .outerjoin(active, active.c.learner_id == Learner.id)
            .where(*where)
            .group_by(Learner.unit_id, Learner.occupation, wa)
        )
        for uid, occupation, in_age, n, n_started, n_active, n_week in await self.s.execute(query):
            acc = direct[uid]
            for key, value in (
                ("learners", n),
                ("started", n_started),
                ("active", n_active),
                ("active_week", n_week),
            ):
                acc.n[key] += int(value or 0)
            if in_age:
                acc.n["started_working_age"] += int(n_started or 0)
            if occupation == "business":
                acc.n["business_started"] += int(n_started or 0)
            group = acc.group(occupation)
            group[0] += int(n)
            group[1] += int(n_started or 0)
            group[2] += int(n_active or 0)

    async def _lessons(
        self, direct: dict[int, _Acc], subtree: Any, window: Window, marks: PassMarks
    ) -> None:
        """Lessons done and passed, each counted once per unit, inside the period or not and,
        within the trend's weeks, by week: one pass over the lessons done, one over the passed."""
        where = self._members(subtree, window)
        learners = select(Learner.id).where(*where) if subtree is not None else None
        done = [Progress.completed_on.is_not(None), Progress.completed_on < window.end]
        if learners is not None:
            done.append(Progress.learner_id.in_(learners))
        lessons = select(Progress.learner_id, Progress.completed_on).where(*done).subquery()
        sources: list[tuple[Any, int, str, str]] = [(lessons, 1, "lessons_done", "done_in_period")]
        passed = passed_lessons(None, window.end, marks, learners)
        if passed is not None:
            sources.append((passed, 2, "lessons_passed", "passed_in_period"))
        for rows, slot, total, in_period in sources:
            day = rows.c.completed_on
            week = (
                case((day >= window.trend_from, self._week(day)), else_=-1)
                if window.trend_from is not None
                else literal(-1)
            )
            period = case((day >= window.start, 1), else_=0)
            found = await self.s.execute(
                select(Learner.unit_id, week, period, func.count())
                .select_from(rows)
                .join(Learner, Learner.id == rows.c.learner_id)
                .where(*where)
                .group_by(Learner.unit_id, week, period)
            )
            for uid, w, p, n in found:
                acc = direct[uid]
                acc.n[total] += int(n)
                if p:
                    acc.n[in_period] += int(n)
                if int(w) >= 0:
                    acc.trend.setdefault(int(w), [0, 0, 0])[slot] += int(n)

    async def _certificates(self, direct: dict[int, _Acc], subtree: Any, window: Window) -> None:
        """Certificates earned before the end, counted at the holder's unit; revoked ones (by
        the end) apart. A learner who is deleted takes theirs along: a closed quarter keeps its
        count in its snapshot."""
        revoked = case(
            (and_(Certificate.revoked_at.is_not(None), Certificate.revoked_at < window.end_at), 1),
            else_=0,
        )
        wa = self._working_age(window)
        rows = await self.s.execute(
            select(
                Learner.unit_id, Learner.occupation, wa, Certificate.level, revoked, func.count()
            )
            .join(Learner, Learner.id == Certificate.learner_id)
            .where(Certificate.earned_at < window.end_at, *self._members(subtree, window))
            .group_by(Learner.unit_id, Learner.occupation, wa, Certificate.level, revoked)
        )
        for uid, occupation, in_age, level, is_revoked, n in rows:
            acc = direct[uid]
            if is_revoked:
                acc.n["revoked"] += int(n)
                continue
            acc.certificates[int(level)] += int(n)
            if int(level) == 1:
                acc.group(occupation)[3] += int(n)
                if in_age:
                    acc.n["certified_working_age"] += int(n)

    async def _officials(self, direct: dict[int, _Acc], subtree: Any, window: Window) -> None:
        """Officials are counted where they work: at their agency (an office-team unit) when
        they named one, else at their own unit."""
        home = func.coalesce(Learner.agency_id, Learner.unit_id)
        where = [
            Learner.occupation == "official",
            Learner.status != "onboarding",
            Learner.created_at < window.end_at,
            home.is_not(None),
        ]
        if subtree is not None:
            where.append(home.in_(subtree))
        # Officials are a few of the learners: their lessons are looked up by learner.
        started = self._started(window, select(Learner.id).where(*where))
        rows = await self.s.execute(
            select(
                home, func.count(), func.sum(case((started.c.learner_id.is_not(None), 1), else_=0))
            )
            .select_from(Learner)
            .outerjoin(started, started.c.learner_id == Learner.id)
            .where(*where)
            .group_by(home)
        )
        for uid, n, n_started in rows:
            direct[uid].n["officials_learners"] += int(n)
            direct[uid].n["officials_started"] += int(n_started or 0)

    async def _ethnicity(self, direct: dict[int, _Acc], subtree: Any, window: Window) -> None:
        """Only learners who consented, and only as a count per unit and ethnicity."""
        rows = await self.s.execute(
            select(Learner.unit_id, Learner.ethnicity, func.count())
            .where(
                *self._members(subtree, window),
                Learner.ethnicity.is_not(None),
                Learner.ethnicity_consent_at.is_not(None),
                Learner.ethnicity_consent_at < window.end_at,
            )
            .group_by(Learner.unit_id, Learner.ethnicity)
        )
        for uid, ethnicity, n in rows:
            if uid is not None:
                direct[uid].ethnicity[str(ethnicity)] += int(n)

    async def _classes(self, direct: dict[int, _Acc], subtree: Any, window: Window) -> None:
        start_at = window.start_at
        where = [
            ClassInfo.opened_at < window.end_at,
            or_(ClassInfo.closed_at.is_(None), ClassInfo.closed_at >= start_at),
        ]
        if subtree is not None:
            where.append(ClassInfo.unit_id.in_(subtree))
        for (uid,) in await self.s.execute(select(ClassInfo.unit_id).where(*where)):
            direct[uid].n["classes"] += 1
        held = [ClassSession.starts_at >= start_at, ClassSession.starts_at < window.end_at]
        if subtree is not None:
            held.append(ClassSession.class_id.in_(subtree))
        rows = await self.s.execute(
            select(
                ClassSession.class_id,
                func.count(func.distinct(ClassSession.id)),
                func.count(SessionCheckin.id),
            )
            .outerjoin(SessionCheckin, SessionCheckin.session_id == ClassSession.id)
            .where(*held)
            .group_by(ClassSession.class_id)
        )
        for uid, sessions, checkins in rows:
            direct[uid].n["sessions"] += int(sessions)
            direct[uid].n["attendance"] += int(checkins)

    async def _instructors(self, subtree: Any, window: Window) -> Iterable[Any]:
        """Distinct people per ancestor: one instructor of two groups counts once above them."""
        where = [
            RoleGrant.role == "instructor",
            RoleGrant.granted_at < window.end_at,
            or_(RoleGrant.revoked_at.is_(None), RoleGrant.revoked_at >= window.end_at),
        ]
        if subtree is not None:
            where.append(UnitClosure.ancestor_id.in_(subtree))
        return list(
            await self.s.execute(
                select(UnitClosure.ancestor_id, func.count(func.distinct(RoleGrant.learner_id)))
                .join(UnitClosure, UnitClosure.descendant_id == RoleGrant.unit_id)
                .where(*where)
                .group_by(UnitClosure.ancestor_id)
            )
        )

    async def _active_weeks(self, direct: dict[int, _Acc], subtree: Any, window: Window) -> None:
        """The trend's learners who studied, per unit and week."""
        assert window.trend_from is not None
        where = self._members(subtree, window)
        week = self._week(ActivityDay.day)
        rows = await self.s.execute(
            select(Learner.unit_id, week, func.count(func.distinct(ActivityDay.learner_id)))
            .join(Learner, Learner.id == ActivityDay.learner_id)
            .where(ActivityDay.day >= window.trend_from, ActivityDay.day < window.end, *where)
            .group_by(Learner.unit_id, week)
        )
        for uid, w, n in rows:
            direct[uid].trend.setdefault(int(w), [0, 0, 0])[0] += int(n)

    # ---- the dashboard snapshot ----------------------------------------------------------

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

    # ---- closed quarters -----------------------------------------------------------------

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
