"""What the figures' queries share: the week numbering, the accumulator a unit's counts are
added up in, and the members, working-age and started filters."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, literal, select

from bot.services.ports.figures import (
    GROUPS,
    WORKING_AGE,
    Counts,
    TargetGroupFigures,
    TrendPoint,
    Window,
)
from bot.storage.models import ActivityDay, Learner, Progress
from bot.storage.repos.base import SqlPort

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


class FiguresBase(SqlPort):
    """The session, the dialect and the filters every figures query uses."""

    @property
    def _postgres(self) -> bool:
        return self._dialect == "postgresql"

    def _week(self, column: Any) -> Any:
        """The week number of a date column (weeks from MONDAY), in SQL."""
        if self._postgres:
            return (column - literal(MONDAY, ActivityDay.day.type)) // 7
        return cast((func.julianday(column) - func.julianday(MONDAY.isoformat())) / 7, Integer)

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
