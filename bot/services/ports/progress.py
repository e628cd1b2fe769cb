"""A learner's lessons: assigned, started, completed; quiz answers; the days they studied."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from lessons.plan import Assignment


@dataclass(frozen=True)
class LessonState:
    """Where a learner stands in one lesson: its assignment (None when never given), the quiz
    questions answered (right or not), and whether graded practice work is in."""

    assignment: Assignment | None = None
    answered: dict[int, bool] = field(default_factory=dict)
    submitted: bool = False


class Progress(Protocol):
    async def current_assignment(self, learner_id: int) -> Assignment | None: ...
    async def assignment(self, learner_id: int, lesson_id: str) -> Assignment | None: ...
    async def standing(self, learner_id: int) -> tuple[Assignment | None, set[str]]:
        """`current_assignment` and `completed_lessons` in one read."""

    async def lesson_state(self, learner_id: int, lesson_id: str) -> LessonState: ...
    async def mark_started(self, learner_id: int, lesson_id: str, now: datetime) -> None: ...
    async def completed_lessons(self, learner_id: int) -> set[str]: ...
    async def assign(self, learner_id: int, lesson_id: str, level: int, day: date) -> None: ...
    async def complete(self, learner_id: int, lesson_id: str, day: date) -> bool: ...
    async def lessons_completed_on(self, learner_id: int, day: date) -> int: ...
    async def lesson_count(self, learner_id: int) -> int: ...
    async def set_best_score(self, learner_id: int, lesson_id: str, score: int) -> None: ...
    async def record_quiz_answer(
        self,
        learner_id: int,
        lesson_id: str,
        question: int,
        choice: int,
        correct: bool,
        now: datetime,
    ) -> bool: ...
    async def quiz_answers(self, learner_id: int, lesson_id: str) -> dict[int, bool]: ...
    async def add_activity_day(self, learner_id: int, day: date) -> None: ...
    async def activity_days(self, learner_id: int) -> list[date]: ...
