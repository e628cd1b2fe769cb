"""Practice work, its fingerprints and its grades."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, insert, select, update

from bot.services.ports.records import (
    GradeInfo,
    GradeStatus,
    HeldSummary,
    SubmissionRecord,
    SubmissionStatus,
)
from bot.storage.models import GradeRecord, Submission, SubmissionFingerprint
from bot.storage.repos.base import SqlPort
from bot.storage.repos.scope import covered

_Q = TypeVar("_Q", bound=Select)  # a query, kept its own type through `_scoped`


def _submission(row: Submission) -> SubmissionRecord:
    return SubmissionRecord(
        row.id,
        row.learner_id,
        row.lesson_id,
        row.channel,
        row.text,
        row.photo_ref,
        SubmissionStatus(row.status),
        row.received_at,
        tuple(row.exchange or ()),
    )


class SqlSubmissions(SqlPort):
    async def add_submission(
        self,
        learner_id: int,
        lesson_id: str,
        channel: str,
        text: str,
        photo_ref: str | None,
        dedup_key: str | None,
        status: SubmissionStatus,
        now: datetime,
        exchange: tuple[dict[str, str], ...] = (),
    ) -> tuple[SubmissionRecord, bool]:
        if dedup_key:
            existing = await self.s.scalar(
                select(Submission).where(Submission.dedup_key == dedup_key)
            )
            if existing is not None:
                return _submission(existing), False
        row = Submission(
            learner_id=learner_id,
            lesson_id=lesson_id,
            channel=channel,
            text=text,
            photo_ref=photo_ref,
            dedup_key=dedup_key,
            status=status,
            received_at=now,
            exchange=list(exchange) or None,
        )
        self.s.add(row)
        await self.s.flush()
        return _submission(row), True

    async def submission(self, submission_id: int) -> SubmissionRecord | None:
        row = await self.s.get(Submission, submission_id)
        return _submission(row) if row else None

    async def ungraded_submissions(self, before: datetime, limit: int) -> list[SubmissionRecord]:
        rows = await self.s.scalars(
            select(Submission)
            .where(Submission.status == SubmissionStatus.RECEIVED, Submission.received_at < before)
            .order_by(Submission.id)
            .limit(limit)
        )
        return [_submission(r) for r in rows]

    async def has_graded_submission(self, learner_id: int, lesson_id: str) -> bool:
        found = await self.s.scalar(
            select(Submission.id)
            .where(
                Submission.learner_id == learner_id,
                Submission.lesson_id == lesson_id,
                Submission.status == SubmissionStatus.GRADED,
            )
            .limit(1)
        )
        return found is not None

    async def add_fingerprints(
        self, submission_id: int, learner_id: int, lesson_id: str, bands: list[int]
    ) -> None:
        """Store a submission's LSH bands (none for a text too short to fingerprint)."""
        if bands:
            await self.s.execute(
                insert(SubmissionFingerprint),
                [
                    {
                        "submission_id": submission_id,
                        "learner_id": learner_id,
                        "lesson_id": lesson_id,
                        "band": band,
                    }
                    for band in set(bands)
                ],
            )

    async def peer_candidates(
        self, lesson_id: str, exclude_learner: int, bands: list[int], limit: int
    ) -> list[str]:
        """Other learners' work for the lesson sharing a band with `bands`, most shared first.

        An index lookup on (lesson_id, band): the cost does not grow with the lesson's submissions.
        """
        if not bands:
            return []
        shared = func.count(SubmissionFingerprint.id)
        rows = await self.s.execute(
            select(Submission.text, shared)
            .join(SubmissionFingerprint, SubmissionFingerprint.submission_id == Submission.id)
            .where(
                SubmissionFingerprint.lesson_id == lesson_id,
                SubmissionFingerprint.band.in_(set(bands)),
                SubmissionFingerprint.learner_id != exclude_learner,
            )
            .group_by(Submission.id, Submission.text)
            .order_by(shared.desc(), Submission.id.desc())
            .limit(limit)
        )
        return [text for text, _ in rows]


class SqlGrades(SqlPort):
    async def add_grade(
        self,
        submission_id: int,
        score: int,
        detail: dict[str, Any],
        status: GradeStatus,
        grader: str,
        tokens: int,
        points_paid: int,
        now: datetime,
    ) -> int:
        row = GradeRecord(
            submission_id=submission_id,
            score=score,
            detail=detail,
            status=status,
            grader=grader,
            tokens=tokens,
            points_paid=points_paid,
            created_at=now,
        )
        self.s.add(row)
        await self.s.execute(
            update(Submission)
            .where(Submission.id == submission_id)
            .values(status=SubmissionStatus.GRADED)
        )
        await self.s.flush()
        return row.id

    async def grade(self, grade_id: int) -> GradeInfo | None:
        row = (await self.s.execute(self._grade_query().where(GradeRecord.id == grade_id))).first()
        return self._grade_info(*row) if row else None

    async def latest_grade(self, learner_id: int) -> GradeInfo | None:
        row = (
            await self.s.execute(
                self._grade_query()
                .where(
                    Submission.learner_id == learner_id,
                    GradeRecord.status != GradeStatus.SUPERSEDED,
                )
                .order_by(GradeRecord.id.desc())
                .limit(1)
            )
        ).first()
        return self._grade_info(*row) if row else None

    async def best_confirmed_score(self, learner_id: int, lesson_id: str) -> int | None:
        return await self.s.scalar(
            select(func.max(GradeRecord.score))
            .join(Submission, Submission.id == GradeRecord.submission_id)
            .where(
                Submission.learner_id == learner_id,
                Submission.lesson_id == lesson_id,
                GradeRecord.status == GradeStatus.FINAL,
            )
        )

    async def set_points_paid(self, grade_id: int, points: int) -> None:
        await self.s.execute(
            update(GradeRecord).where(GradeRecord.id == grade_id).values(points_paid=points)
        )

    async def set_grade_status(
        self,
        grade_id: int,
        status: GradeStatus,
        appealed: bool | None = None,
        reviewer: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status}
        if appealed is not None:
            values["appealed"] = appealed
        if reviewer is not None:
            values["reviewer"] = reviewer
        await self.s.execute(update(GradeRecord).where(GradeRecord.id == grade_id).values(**values))

    async def review_queue(
        self, limit: int, units: Collection[int] | None = None
    ) -> list[GradeInfo]:
        query = _scoped(self._grade_query().where(GradeRecord.status == GradeStatus.REVIEW), units)
        rows = await self.s.execute(
            query.order_by(GradeRecord.created_at, GradeRecord.id).limit(limit)
        )
        return [self._grade_info(g, s) for g, s in rows]

    async def review_count(self, units: Collection[int] | None = None) -> int:
        query = _scoped(
            select(func.count())
            .select_from(GradeRecord)
            .join(Submission, Submission.id == GradeRecord.submission_id)
            .where(GradeRecord.status == GradeStatus.REVIEW),
            units,
        )
        return int(await self.s.scalar(query) or 0)

    async def provisional_grades(
        self,
        limit: int,
        up_to: int | None = None,
        units: Collection[int] | None = None,
    ) -> list[GradeInfo]:
        query = self._grade_query().where(GradeRecord.status == GradeStatus.PROVISIONAL)
        if up_to is not None:
            query = query.where(GradeRecord.id <= up_to)
        rows = await self.s.execute(_scoped(query, units).order_by(GradeRecord.id).limit(limit))
        return [self._grade_info(g, s) for g, s in rows]

    async def provisional_summary(
        self,
        up_to: int | None = None,
        units: Collection[int] | None = None,
    ) -> HeldSummary:
        query = select(
            func.count(),
            func.min(GradeRecord.score),
            func.max(GradeRecord.score),
            func.max(GradeRecord.id),
        ).where(GradeRecord.status == GradeStatus.PROVISIONAL)
        if up_to is not None:
            query = query.where(GradeRecord.id <= up_to)
        if units is not None:
            query = _scoped(
                query.join(Submission, Submission.id == GradeRecord.submission_id), units
            )
        count, low, high, last = (await self.s.execute(query)).one()
        return HeldSummary(int(count or 0), int(low or 0), int(high or 0), int(last or 0))

    def _grade_query(self) -> Select[GradeRecord, Submission]:
        return select(GradeRecord, Submission).join(
            Submission, Submission.id == GradeRecord.submission_id
        )

    @staticmethod
    def _grade_info(grade: GradeRecord, sub: Submission) -> GradeInfo:
        return GradeInfo(
            grade.id,
            grade.submission_id,
            sub.learner_id,
            sub.lesson_id,
            grade.score,
            GradeStatus(grade.status),
            dict(grade.detail or {}),
            grade.points_paid,
            grade.appealed,
            sub.text,
            sub.photo_ref,
            sub.received_at,
            grade.created_at,
        )


def _scoped(query: _Q, units: Collection[int] | None) -> _Q:
    """Only work of learners the units cover; every work when `units` is None."""
    return query if units is None else query.where(covered(Submission.learner_id, units))
