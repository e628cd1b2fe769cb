"""Lessons assigned and completed, quiz answers, activity days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update

from bot.storage.models import ActivityDay, Progress, QuizAnswer
from bot.storage.repos.base import SqlPort
from lessons.plan import Assignment


class SqlProgress(SqlPort):
    async def current_assignment(self, learner_id: int) -> Assignment | None:
        row = await self.s.scalar(
            select(Progress)
            .where(Progress.learner_id == learner_id)
            .order_by(Progress.assigned_on.desc(), Progress.id.desc())
            .limit(1)
        )
        return (
            Assignment(row.lesson_id, row.assigned_on, row.completed_on, row.started_at)
            if row
            else None
        )

    async def assignment(self, learner_id: int, lesson_id: str) -> Assignment | None:
        row = await self.s.scalar(
            select(Progress).where(
                Progress.learner_id == learner_id, Progress.lesson_id == lesson_id
            )
        )
        return (
            Assignment(row.lesson_id, row.assigned_on, row.completed_on, row.started_at)
            if row
            else None
        )

    async def mark_started(self, learner_id: int, lesson_id: str, now: datetime) -> None:
        await self.s.execute(
            update(Progress)
            .where(
                Progress.learner_id == learner_id,
                Progress.lesson_id == lesson_id,
                Progress.started_at.is_(None),
            )
            .values(started_at=now)
        )

    async def completed_lessons(self, learner_id: int) -> set[str]:
        rows = await self.s.scalars(
            select(Progress.lesson_id).where(
                Progress.learner_id == learner_id, Progress.completed_on.is_not(None)
            )
        )
        return set(rows)

    async def assign(self, learner_id: int, lesson_id: str, level: int, day: date) -> None:
        await self._inserted(
            Progress, learner_id=learner_id, lesson_id=lesson_id, level=level, assigned_on=day
        )

    async def complete(self, learner_id: int, lesson_id: str, day: date) -> bool:
        return bool(
            await self._changed(
                update(Progress)
                .where(
                    Progress.learner_id == learner_id,
                    Progress.lesson_id == lesson_id,
                    Progress.completed_on.is_(None),
                )
                .values(completed_on=day)
            )
        )

    async def lessons_completed_on(self, learner_id: int, day: date) -> int:
        return int(
            await self.s.scalar(
                select(func.count())
                .select_from(Progress)
                .where(Progress.learner_id == learner_id, Progress.completed_on == day)
            )
            or 0
        )

    async def lesson_count(self, learner_id: int) -> int:
        return int(
            await self.s.scalar(
                select(func.count())
                .select_from(Progress)
                .where(Progress.learner_id == learner_id, Progress.completed_on.is_not(None))
            )
            or 0
        )

    async def set_best_score(self, learner_id: int, lesson_id: str, score: int) -> None:
        await self.s.execute(
            update(Progress)
            .where(
                Progress.learner_id == learner_id,
                Progress.lesson_id == lesson_id,
                (Progress.best_score.is_(None)) | (Progress.best_score < score),
            )
            .values(best_score=score)
        )

    async def record_quiz_answer(
        self,
        learner_id: int,
        lesson_id: str,
        question: int,
        choice: int,
        correct: bool,
        now: datetime,
    ) -> bool:
        return await self._inserted(
            QuizAnswer,
            learner_id=learner_id,
            lesson_id=lesson_id,
            question=question,
            choice=choice,
            correct=correct,
            answered_at=now,
        )

    async def quiz_answers(self, learner_id: int, lesson_id: str) -> dict[int, bool]:
        rows = await self.s.execute(
            select(QuizAnswer.question, QuizAnswer.correct).where(
                QuizAnswer.learner_id == learner_id, QuizAnswer.lesson_id == lesson_id
            )
        )
        return {q: bool(c) for q, c in rows}

    async def add_activity_day(self, learner_id: int, day: date) -> None:
        await self._inserted(ActivityDay, learner_id=learner_id, day=day)

    async def activity_days(self, learner_id: int) -> list[date]:
        return list(
            await self.s.scalars(
                select(ActivityDay.day).where(ActivityDay.learner_id == learner_id)
            )
        )
