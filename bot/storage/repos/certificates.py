"""Passing, review days and certificates on SQLAlchemy (`repo.passing`, `repo.certificates`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import case, func, select, update

from bot.services.ports.passing import CertificateRecord, Feedback, NameChange, ReviewRecord
from bot.services.ports.records import GradeStatus
from bot.storage.models import (
    Certificate,
    CertificateChange,
    GradeRecord,
    LessonReview,
    Progress,
    Submission,
)
from bot.storage.repos.base import SqlPort
from scoring.passing import Confirmed

RULES = "rules"  # the grader name of a rules-only grade: confirmed, but by no model or person


def _certificate(row: Certificate) -> CertificateRecord:
    return CertificateRecord(
        id=row.id,
        code=row.code,
        learner_id=row.learner_id,
        level=row.level,
        level_title=row.level_title,
        full_name=row.full_name,
        unit_id=row.unit_id,
        unit_name=row.unit_name,
        lessons_passed=row.lessons_passed,
        average_score=row.average_score,
        capstone_score=row.capstone_score,
        earned_at=row.earned_at,
        issued_at=row.issued_at,
        issued_on=row.issued_on,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        revoke_reason=row.revoke_reason,
        name_draft=row.name_draft,
    )


class SqlPassing(SqlPort):
    async def confirmed_scores(
        self, learner_id: int, lesson_ids: Collection[str] | None = None
    ) -> dict[str, Confirmed]:
        """Per lesson: the best confirmed score, the best a model or a person confirmed, and
        whether a grade still waits (one grouped read of the learner's grades)."""
        final = GradeRecord.status == GradeStatus.FINAL
        query = (
            select(
                Submission.lesson_id,
                func.max(case((final, GradeRecord.score))),
                func.max(case((final & (GradeRecord.grader != RULES), GradeRecord.score))),
                func.max(
                    case(
                        (GradeRecord.status.in_((GradeStatus.PROVISIONAL, GradeStatus.REVIEW)), 1),
                        else_=0,
                    )
                ),
            )
            .join(GradeRecord, GradeRecord.submission_id == Submission.id)
            .where(Submission.learner_id == learner_id)
            .group_by(Submission.lesson_id)
        )
        if lesson_ids is not None:
            query = query.where(Submission.lesson_id.in_(list(lesson_ids)))
        return {
            lesson_id: Confirmed(best, judged, bool(held))
            for lesson_id, best, judged, held in await self.s.execute(query)
        }

    async def review_on(self, learner_id: int, day: date) -> ReviewRecord | None:
        row = await self.s.scalar(
            select(LessonReview).where(
                LessonReview.learner_id == learner_id, LessonReview.day == day
            )
        )
        return ReviewRecord(row.learner_id, row.lesson_id, row.day, row.retried_at) if row else None

    async def review_counts(self, learner_id: int) -> dict[str, int]:
        rows = await self.s.execute(
            select(LessonReview.lesson_id, func.count())
            .where(LessonReview.learner_id == learner_id)
            .group_by(LessonReview.lesson_id)
        )
        return {lesson_id: int(n) for lesson_id, n in rows}

    async def open_review(self, learner_id: int, lesson_id: str, day: date, now: datetime) -> bool:
        """Bring a lesson back today: one review a day (the unique key decides a race). The
        lesson becomes the one in hand again, so work sent today is graded against it."""
        if not await self._inserted(
            LessonReview, learner_id=learner_id, lesson_id=lesson_id, day=day, created_at=now
        ):
            return False
        await self.s.execute(
            update(Progress)
            .where(Progress.learner_id == learner_id, Progress.lesson_id == lesson_id)
            .values(assigned_on=day)
        )
        return True

    async def mark_retried(self, learner_id: int, lesson_id: str, day: date, now: datetime) -> bool:
        changed = await self._changed(
            update(LessonReview)
            .where(
                LessonReview.learner_id == learner_id,
                LessonReview.lesson_id == lesson_id,
                LessonReview.day == day,
                LessonReview.retried_at.is_(None),
            )
            .values(retried_at=now)
        )
        return bool(changed)

    async def latest_feedback(self, learner_id: int, lesson_id: str) -> Feedback | None:
        row = (
            await self.s.execute(
                select(GradeRecord.score, GradeRecord.detail)
                .join(Submission, Submission.id == GradeRecord.submission_id)
                .where(
                    Submission.learner_id == learner_id,
                    Submission.lesson_id == lesson_id,
                    GradeRecord.status == GradeStatus.FINAL,
                )
                .order_by(GradeRecord.id.desc())
                .limit(1)
            )
        ).first()
        return Feedback(row[0], dict(row[1] or {})) if row else None


class SqlCertificates(SqlPort):
    async def add(
        self,
        learner_id: int,
        level: int,
        level_title: str,
        code: str,
        unit_id: int | None,
        unit_name: str,
        lessons_passed: int,
        average_score: int,
        capstone_score: int,
        now: datetime,
    ) -> CertificateRecord | None:
        """The certificate, once: None when this learner already has this level's (the unique
        key holds across processes, restarts and redelivered updates) or the code is taken."""
        if not await self._inserted(
            Certificate,
            code=code,
            learner_id=learner_id,
            level=level,
            level_title=level_title,
            unit_id=unit_id,
            unit_name=unit_name,
            lessons_passed=lessons_passed,
            average_score=average_score,
            capstone_score=capstone_score,
            earned_at=now,
        ):
            return None
        return await self.by_code(code)

    async def of_learner(self, learner_id: int) -> list[CertificateRecord]:
        rows = await self.s.scalars(
            select(Certificate)
            .where(Certificate.learner_id == learner_id)
            .order_by(Certificate.level)
        )
        return [_certificate(r) for r in rows]

    async def get(self, certificate_id: int) -> CertificateRecord | None:
        row = await self.s.get(Certificate, certificate_id)
        return _certificate(row) if row else None

    async def by_code(self, code: str) -> CertificateRecord | None:
        row = await self.s.scalar(select(Certificate).where(Certificate.code == code))
        return _certificate(row) if row else None

    async def set_name(self, certificate_id: int, full_name: str, now: datetime, day: date) -> bool:
        """Name it once: a second confirmation (a double tap, a redelivery) changes nothing."""
        changed = await self._changed(
            update(Certificate)
            .where(Certificate.id == certificate_id, Certificate.full_name.is_(None))
            .values(full_name=full_name, issued_at=now, issued_on=day)
        )
        return bool(changed)

    async def propose_name(self, certificate_id: int, name: str) -> bool:
        """Keep a typed name until the learner confirms it (only while none is printed)."""
        changed = await self._changed(
            update(Certificate)
            .where(Certificate.id == certificate_id, Certificate.full_name.is_(None))
            .values(name_draft=name)
        )
        return bool(changed)

    async def revoke(self, code: str, by: str, reason: str, now: datetime) -> bool:
        changed = await self._changed(
            update(Certificate)
            .where(Certificate.code == code, Certificate.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by=by, revoke_reason=reason)
        )
        return bool(changed)

    async def listing(self, unit_ids: Collection[int] | None = None) -> list[CertificateRecord]:
        query = select(Certificate).order_by(Certificate.earned_at, Certificate.id)
        if unit_ids is not None:
            query = query.where(Certificate.unit_id.in_(list(unit_ids)))
        return [_certificate(r) for r in await self.s.scalars(query)]

    async def propose_fix(self, certificate_id: int, name: str) -> bool:
        changed = await self._changed(
            update(Certificate)
            .where(
                Certificate.id == certificate_id,
                Certificate.full_name.is_not(None),
                Certificate.revoked_at.is_(None),
            )
            .values(name_draft=name)
        )
        return bool(changed)

    async def rename(
        self, certificate_id: int, old: str, new: str, by: str, by_learner: bool, now: datetime
    ) -> bool:
        changed = await self._changed(
            update(Certificate)
            .where(
                Certificate.id == certificate_id,
                Certificate.full_name == old,
                Certificate.revoked_at.is_(None),
            )
            .values(full_name=new, name_draft=None)
        )
        if not changed:
            return False
        self.s.add(
            CertificateChange(
                certificate_id=certificate_id,
                field="full_name",
                old=old,
                new=new,
                by=by[:120],
                by_learner=by_learner,
                at=now,
            )
        )
        await self.s.flush()
        return True

    async def changes(self, certificate_id: int) -> list[NameChange]:
        rows = await self.s.scalars(
            select(CertificateChange)
            .where(CertificateChange.certificate_id == certificate_id)
            .order_by(CertificateChange.id)
        )
        return [NameChange(r.old, r.new, r.by, r.by_learner, r.at) for r in rows]

    async def newest(
        self, unit_ids: Collection[int] | None, revoked: bool | None, limit: int
    ) -> list[CertificateRecord]:
        query = (
            select(Certificate)
            .where(Certificate.full_name.is_not(None))
            .order_by(
                func.coalesce(Certificate.issued_at, Certificate.earned_at).desc(),
                Certificate.id.desc(),
            )
            .limit(limit)
        )
        if unit_ids is not None:
            query = query.where(Certificate.unit_id.in_(list(unit_ids)))
        if revoked is not None:
            query = query.where(
                Certificate.revoked_at.is_not(None) if revoked else Certificate.revoked_at.is_(None)
            )
        return [_certificate(r) for r in await self.s.scalars(query)]

    async def level_counts(self, unit_ids: Collection[int] | None) -> tuple[dict[int, int], int]:
        is_revoked = Certificate.revoked_at.is_not(None)
        query = (
            select(Certificate.level, is_revoked.label("revoked"), func.count())
            .where(Certificate.full_name.is_not(None))
            .group_by(Certificate.level, is_revoked)
        )
        if unit_ids is not None:
            query = query.where(Certificate.unit_id.in_(list(unit_ids)))
        levels: dict[int, int] = {}
        revoked = 0
        for level, gone, count in await self.s.execute(query):
            if gone:
                revoked += int(count)
            else:
                levels[int(level)] = int(count)
        return levels, revoked
