"""The daily plan: which lesson a learner gets today. One new lesson per calendar day; an
unfinished lesson is offered again instead of piling up new ones; levels come in order. One day
in seven is a review day: a lesson done but not passed comes back instead of a new one."""

from __future__ import annotations

from collections.abc import Collection, Mapping
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


PlanStatus = Literal["new", "unfinished", "done_today", "finished_all", "review"]


@dataclass(frozen=True)
class TodayPlan:
    lesson: Lesson | None
    status: PlanStatus


# Spaced review, as Arist's micro-courses do it: every seventh day since the learner started brings
# back a lesson they did but have not passed, with its feedback, instead of a new lesson.
REVIEW_EVERY = 7


@dataclass(frozen=True)
class ReviewSlot:
    """Today's review: the lesson brought back, and whether the retry has been sent."""

    lesson_id: str
    done: bool = False


def is_review_day(first_day: date, today: date, every: int = REVIEW_EVERY) -> bool:
    """The 7th, 14th, 21st... day counted from the learner's first day (day 1)."""
    days = (today - first_day).days + 1
    return days >= every and days % every == 0


def review_due(current: Assignment | None, today: date, first_day: date | None) -> bool:
    """Whether today may bring a lesson back: a review day, nothing unfinished in hand, and no
    lesson finished today already (still one lesson a day)."""
    if first_day is None or not is_review_day(first_day, today):
        return False
    return current is None or (current.completed_on is not None and current.completed_on != today)


def pick_review(curriculum: Curriculum, not_passed: Mapping[str, int]) -> Lesson | None:
    """The lesson to bring back among those done but not passed (id -> times reviewed so far):
    the one reviewed fewest times, and of those the earliest in the curriculum."""
    ranked = [
        (not_passed[ls.id], i, ls) for i, ls in enumerate(curriculum.lessons) if ls.id in not_passed
    ]
    return min(ranked, key=lambda item: item[:2])[2] if ranked else None


def next_lesson(curriculum: Curriculum, completed: Collection[str]) -> Lesson | None:
    """The first lesson in curriculum order that the learner has not completed."""
    return next((ls for ls in curriculum.lessons if ls.id not in completed), None)


def plan_today(
    curriculum: Curriculum,
    completed: Collection[str],
    current: Assignment | None,
    today: date,
    review: ReviewSlot | None = None,
) -> TodayPlan:
    if current is not None and not current.completed:
        lesson = curriculum.by_id(current.lesson_id)
        if lesson is not None:  # a lesson removed from the curriculum is skipped
            status: PlanStatus = "new" if current.assigned_on == today else "unfinished"
            return TodayPlan(lesson, status)
    brought_back = curriculum.by_id(review.lesson_id) if review is not None else None
    if brought_back is not None and review is not None and not review.done:
        return TodayPlan(brought_back, "review")
    if current is not None and current.completed_on == today:
        return TodayPlan(curriculum.by_id(current.lesson_id), "done_today")
    if brought_back is not None:  # the review is done: that was today's lesson
        return TodayPlan(brought_back, "done_today")
    lesson = next_lesson(curriculum, completed)
    if lesson is None:
        return TodayPlan(None, "finished_all")
    return TodayPlan(lesson, "new")


def lesson_position(curriculum: Curriculum, lesson: Lesson) -> tuple[int, int]:
    """(number within its level, lessons in that level), capstone included."""
    same = curriculum.of_level(lesson.level)
    return same.index(lesson) + 1, len(same)
