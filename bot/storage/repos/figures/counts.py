"""Each unit's own counts, one grouped query per family (learners, lessons, certificates,
officials, ethnicity, classes, instructors, active weeks)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from bot.services.ports.figures import Window
from bot.services.ports.rankings import PassMarks
from bot.storage.models import (
    ActivityDay,
    Certificate,
    ClassInfo,
    ClassSession,
    Learner,
    Progress,
    RoleGrant,
    SessionCheckin,
    UnitClosure,
)
from bot.storage.repos.figures.common import FiguresBase, _Acc, _at_most
from bot.storage.repos.rankings import passed_lessons


class GroupCounts(FiguresBase):
    """Each unit's own counts, family by family, into one accumulator per unit."""

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
