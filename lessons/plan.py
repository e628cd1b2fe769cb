"""The daily plan: which lesson a learner gets today. One new lesson per calendar day; an
unfinished lesson is offered again instead of piling up new ones; levels come in order."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from lessons.model import Curriculum, Lesson


@dataclass(frozen=True)
class Assignment:
    """The lesson a learner was last given, and whether they finished it."""

    lesson_id: str
    assigned_on: date
    completed_on: date | None = None
    started_at: datetime | None = None  # first opened by the learner (not by a push)

    @property
    def completed(self) -> bool:
        return self.completed_on is not None


PlanStatus = Literal["new", "unfinished", "done_today", "finished_all"]


@dataclass(frozen=True)
class TodayPlan:
    lesson: Lesson | None
    status: PlanStatus


def next_lesson(curriculum: Curriculum, completed: Collection[str]) -> Lesson | None:
    """The first lesson in curriculum order that the learner has not completed."""
    return next((ls for ls in curriculum.lessons if ls.id not in completed), None)


def plan_today(
    curriculum: Curriculum,
    completed: Collection[str],
    current: Assignment | None,
    today: date,
) -> TodayPlan:
    if current is not None and not current.completed:
        lesson = curriculum.by_id(current.lesson_id)
        if lesson is not None:  # a lesson removed from the curriculum is skipped
            status: PlanStatus = "new" if current.assigned_on == today else "unfinished"
            return TodayPlan(lesson, status)
    if current is not None and current.completed_on == today:
        return TodayPlan(curriculum.by_id(current.lesson_id), "done_today")
    lesson = next_lesson(curriculum, completed)
    if lesson is None:
        return TodayPlan(None, "finished_all")
    return TodayPlan(lesson, "new")


def lesson_position(curriculum: Curriculum, lesson: Lesson) -> tuple[int, int]:
    """(number within its level, lessons in that level), capstone included."""
    same = curriculum.of_level(lesson.level)
    return same.index(lesson) + 1, len(same)
