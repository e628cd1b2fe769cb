"""`repo.push` on SQLAlchemy: the daily push's reads and writes for a batch of deliveries, a
statement per kind of row (bot/services/ports/push.py says why)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, String, case, literal, select, tuple_, update

from bot.services.conversation import StatePatch
from bot.services.ports.passing import ReviewRecord
from bot.services.ports.push import DeliveryMark, LessonWork
from bot.services.ports.records import DeliveryStatus, IdentityRecord, LearnerRecord
from bot.services.ports.records import SubmissionStatus as Status
from bot.storage import conversation
from bot.storage.models import (
    Delivery,
    Identity,
    Learner,
    LessonReview,
    Progress,
    QuizAnswer,
    Submission,
)
from bot.storage.repos.base import SqlPort
from bot.storage.repos.learners import identity_record, learner_record
from lessons.plan import Assignment


class SqlPush(SqlPort):
    async def learners(self, ids: Collection[int]) -> dict[int, LearnerRecord]:
        if not ids:
            return {}
        rows = await self.s.scalars(select(Learner).where(Learner.id.in_(list(ids))))
        return {row.id: learner_record(row) for row in rows}

    async def identities(self, learner_ids: Collection[int]) -> dict[int, list[IdentityRecord]]:
        found: dict[int, list[IdentityRecord]] = defaultdict(list)
        if learner_ids:
            rows = await self.s.scalars(
                select(Identity)
                .where(Identity.learner_id.in_(list(learner_ids)))
                .order_by(Identity.id)
            )
            for row in rows:
                found[row.learner_id].append(identity_record(row))
        return dict(found)

    async def assignments(self, learner_ids: Collection[int]) -> dict[int, list[Assignment]]:
        found: dict[int, list[Assignment]] = defaultdict(list)
        if learner_ids:
            rows = await self.s.execute(
                select(
                    Progress.learner_id,
                    Progress.lesson_id,
                    Progress.assigned_on,
                    Progress.completed_on,
                    Progress.started_at,
                )
                .where(Progress.learner_id.in_(list(learner_ids)))
                .order_by(Progress.learner_id, Progress.assigned_on.desc(), Progress.id.desc())
            )
            for learner_id, lesson_id, assigned_on, completed_on, started_at in rows:
                found[learner_id].append(
                    Assignment(lesson_id, assigned_on, completed_on, started_at)
                )
        return dict(found)

    async def reviews_on(
        self, keys: Collection[tuple[int, date]]
    ) -> dict[tuple[int, date], ReviewRecord]:
        if not keys:
            return {}
        rows = await self.s.execute(
            select(
                LessonReview.learner_id,
                LessonReview.lesson_id,
                LessonReview.day,
                LessonReview.retried_at,
            ).where(tuple_(LessonReview.learner_id, LessonReview.day).in_(list(keys)))
        )
        return {(r.learner_id, r.day): ReviewRecord(*r) for r in rows}

    async def lesson_work(
        self, keys: Collection[tuple[int, str]]
    ) -> dict[tuple[int, str], LessonWork]:
        keys = list(keys)
        answered: dict[tuple[int, str], dict[int, bool]] = {key: {} for key in keys}
        submitted: set[tuple[int, str]] = set()
        if keys:
            # Answers to a lesson never assigned (an old or forged button) count as well.
            for learner_id, lesson_id, question, correct in await self.s.execute(
                select(
                    QuizAnswer.learner_id,
                    QuizAnswer.lesson_id,
                    QuizAnswer.question,
                    QuizAnswer.correct,
                ).where(tuple_(QuizAnswer.learner_id, QuizAnswer.lesson_id).in_(keys))
            ):
                answered[(learner_id, lesson_id)][question] = bool(correct)
            rows = await self.s.execute(
                select(Submission.learner_id, Submission.lesson_id)
                .where(
                    tuple_(Submission.learner_id, Submission.lesson_id).in_(keys),
                    Submission.status == Status.GRADED,
                )
                .distinct()
            )
            submitted = {(learner_id, lesson_id) for learner_id, lesson_id in rows}
        return {key: LessonWork(answered[key], key in submitted) for key in keys}

    async def assign(self, rows: Collection[tuple[int, str, int, date]]) -> None:
        if not rows:
            return
        values = [
            {"learner_id": learner_id, "lesson_id": lesson_id, "level": level, "assigned_on": day}
            for learner_id, lesson_id, level, day in rows
        ]
        await self.s.execute(self._insert(Progress).values(values).on_conflict_do_nothing())

    async def set_lessons(self, lessons: Mapping[int, str]) -> None:
        if not lessons:
            return
        await self.s.execute(
            update(Delivery)
            .where(Delivery.id.in_(list(lessons)))
            .values(lesson_id=_by_id({k: literal(v, String) for k, v in lessons.items()}))
            .execution_options(synchronize_session=False)
        )

    async def mark(
        self, marks: Collection[DeliveryMark], now: datetime, until: datetime
    ) -> set[int]:
        held: set[int] = set()
        going = [m for m in marks if m.channel is None]
        done = [m for m in marks if m.channel is not None]
        if going:
            held |= await self._fenced(
                going,
                parts_sent=_by_id({m.delivery_id: literal(m.parts_sent, Integer) for m in going}),
                sent_at=now,
                lease_until=until,
            )
        if done:
            held |= await self._fenced(
                done,
                parts_sent=_by_id({m.delivery_id: literal(m.parts_sent, Integer) for m in done}),
                channel=_by_id({m.delivery_id: literal(m.channel, String) for m in done}),
                status=DeliveryStatus.SENT,
                error=None,
                sent_at=now,
                lease_owner=None,
                lease_until=None,
            )
        return held

    async def _fenced(self, marks: list[DeliveryMark], **values: Any) -> set[int]:
        """One UPDATE for the batch, each row changed only while its holder holds it."""
        holders = {m.delivery_id: literal(m.holder, String) for m in marks}
        result = await self.s.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(list(holders)),
                Delivery.status == DeliveryStatus.SENDING,
                Delivery.lease_owner == _by_id(holders),
            )
            .values(**values)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
        return set(result.scalars())

    async def delivered(
        self, identity_ids: Collection[int], at: datetime, patch: StatePatch | None
    ) -> None:
        await conversation.delivered(self.s, identity_ids, at, patch)


def _by_id(values: Mapping[int, Any]) -> Any:
    """CASE deliveries.id WHEN ... THEN ... END: a value per delivery in one UPDATE."""
    return case(dict(values), value=Delivery.id)
