"""The `Mentoring` port on SQLAlchemy: peer reviews, mentors' links and referrals, and the
figures the mentor rule reads. Kept whole (18 methods): it implements the one
`Mentoring` port, method for method (see the port for why that is one)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Select, Subquery, func, select, update
from sqlalchemy.orm import aliased

from bot.services.ports.mentoring import PeerItem, PeerReviewRecord, Referred
from bot.services.ports.records import GradeStatus, LearnerStatus
from bot.storage.models import (
    Certificate,
    GradeRecord,
    Learner,
    MentorLink,
    PeerReview,
    Progress,
    Referral,
    Submission,
)
from bot.storage.repos.base import SqlPort
from bot.storage.repos.classes import public_name
from bot.storage.repos.scope import covered
from lessons.teach_back import PREFIX as TEACH_BACK_PREFIX

MAX_PEER_REVIEWS = 2  # a piece of work gets at most this many mentors' reviews


def _current_grade() -> Subquery:
    """Each submission's current (not superseded) grade: the newest one."""
    return (
        select(GradeRecord.submission_id, func.max(GradeRecord.id).label("grade_id"))
        .where(GradeRecord.status != GradeStatus.SUPERSEDED)
        .group_by(GradeRecord.submission_id)
        .subquery()
    )


class SqlMentoring(SqlPort):
    # ---- peer review ---------------------------------------------------------------------

    async def peer_candidates(
        self,
        unit_ids: Collection[int],
        mentor_id: int,
        since: datetime,
        limit: int,
    ) -> list[PeerItem]:
        if not unit_ids:
            return []
        current = _current_grade()
        mine = select(PeerReview.submission_id).where(PeerReview.mentor_id == mentor_id)
        crowded = (
            select(PeerReview.submission_id)
            .group_by(PeerReview.submission_id)
            .having(func.count() >= MAX_PEER_REVIEWS)
        )
        rows = await self.s.execute(
            select(Submission, GradeRecord)
            .join(current, current.c.submission_id == Submission.id)
            .join(GradeRecord, GradeRecord.id == current.c.grade_id)
            .where(
                covered(Submission.learner_id, unit_ids),
                Submission.learner_id != mentor_id,
                Submission.received_at >= since,
                Submission.text != "",
                Submission.id.not_in(mine),
                Submission.id.not_in(crowded),
            )
            .order_by(Submission.id)
            .limit(limit)
        )
        return [_item(sub, grade) for sub, grade in rows]

    async def peer_item(self, submission_id: int) -> PeerItem | None:
        current = _current_grade()
        row = (
            await self.s.execute(
                select(Submission, GradeRecord)
                .join(current, current.c.submission_id == Submission.id)
                .join(GradeRecord, GradeRecord.id == current.c.grade_id)
                .where(Submission.id == submission_id)
            )
        ).first()
        return _item(*row) if row else None

    async def add_peer_review(
        self,
        submission_id: int,
        mentor_id: int,
        marks: dict[str, str],
        comment: str,
        now: datetime,
    ) -> int | None:
        result = await self.s.execute(
            self._insert_ignore(
                PeerReview,
                submission_id=submission_id,
                mentor_id=mentor_id,
                marks=marks,
                comment=comment,
                created_at=now,
            ).returning(PeerReview.id)
        )
        new_id = result.scalar()
        return int(new_id) if new_id is not None else None

    def _review_query(self) -> Select[PeerReview, Submission, Learner, GradeRecord]:
        current = _current_grade()
        mentor = aliased(Learner)
        return (
            select(PeerReview, Submission, mentor, GradeRecord)
            .join(Submission, Submission.id == PeerReview.submission_id)
            .join(mentor, mentor.id == PeerReview.mentor_id)
            .outerjoin(current, current.c.submission_id == Submission.id)
            .outerjoin(GradeRecord, GradeRecord.id == current.c.grade_id)
        )

    async def peer_review(self, review_id: int) -> PeerReviewRecord | None:
        row = (await self.s.execute(self._review_query().where(PeerReview.id == review_id))).first()
        return _review(*row) if row else None

    async def reviews_to_judge(
        self, unit_ids: Collection[int] | None, limit: int
    ) -> list[PeerReviewRecord]:
        query = self._review_query().where(PeerReview.verdict.is_(None))
        if unit_ids is not None:
            query = query.where(covered(Submission.learner_id, unit_ids))
        rows = await self.s.execute(query.order_by(PeerReview.id).limit(limit))
        return [_review(*row) for row in rows]

    async def count_to_judge(self, unit_ids: Collection[int] | None) -> int:
        query = (
            select(func.count())
            .select_from(PeerReview)
            .join(Submission, Submission.id == PeerReview.submission_id)
            .where(PeerReview.verdict.is_(None))
        )
        if unit_ids is not None:
            query = query.where(covered(Submission.learner_id, unit_ids))
        return int(await self.s.scalar(query) or 0)

    async def judge(self, review_id: int, verdict: str, judge_id: int, now: datetime) -> bool:
        return bool(
            await self._changed(
                update(PeerReview)
                .where(PeerReview.id == review_id, PeerReview.verdict.is_(None))
                .values(verdict=verdict, judged_by=judge_id, judged_at=now)
            )
        )

    async def mentor_stats(self, mentor_id: int) -> tuple[int, int]:
        total, helpful = (
            await self.s.execute(
                select(
                    func.count(),
                    func.count(PeerReview.verdict).filter(PeerReview.verdict == "helpful"),
                ).where(PeerReview.mentor_id == mentor_id)
            )
        ).one()
        return int(total or 0), int(helpful or 0)

    # ---- links and referrals -------------------------------------------------------------

    async def link_code(self, learner_id: int) -> str | None:
        return await self.s.scalar(
            select(MentorLink.code).where(MentorLink.learner_id == learner_id)
        )

    async def add_link(self, code: str, learner_id: int, now: datetime) -> bool:
        return await self._inserted(MentorLink, code=code, learner_id=learner_id, created_at=now)

    async def mentor_of_code(self, code: str) -> int | None:
        return await self.s.scalar(
            select(MentorLink.learner_id).where(MentorLink.code == code.upper())
        )

    async def add_referral(self, learner_id: int, mentor_id: int, now: datetime) -> bool:
        return await self._inserted(Referral, learner_id=learner_id, mentor_id=mentor_id, at=now)

    async def referred(self, mentor_id: int) -> list[Referred]:
        done = (
            select(func.count())
            .where(Progress.learner_id == Learner.id, Progress.completed_on.is_not(None))
            .correlate(Learner)
            .scalar_subquery()
        )
        rows = await self.s.execute(
            select(Learner.id, Learner.display_name, Learner.nickname, Learner.show_name, done)
            .join(Referral, Referral.learner_id == Learner.id)
            .where(Referral.mentor_id == mentor_id, Learner.status != LearnerStatus.ONBOARDING)
            .order_by(Referral.at, Learner.id)
        )
        return [
            Referred(lid, public_name(dn, nick, show), int(n or 0))
            for lid, dn, nick, show, n in rows
        ]

    async def referred_by(self, mentor_ids: Collection[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {m: [] for m in mentor_ids}
        if not out:
            return out
        rows = await self.s.execute(
            select(Referral.mentor_id, Referral.learner_id).where(
                Referral.mentor_id.in_(sorted(out))
            )
        )
        for mentor, learner in rows:
            out[mentor].append(learner)
        return out

    # ---- what the mentor rule and the level figures read ---------------------------------

    async def teach_back_scores(self, learner_ids: Collection[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {lid: [] for lid in learner_ids}
        if not out:
            return out
        rows = await self.s.execute(
            select(Submission.learner_id, Submission.lesson_id, func.max(GradeRecord.score))
            .join(GradeRecord, GradeRecord.submission_id == Submission.id)
            .where(
                Submission.learner_id.in_(sorted(out)),
                Submission.lesson_id.like(TEACH_BACK_PREFIX + "%"),
                GradeRecord.status == GradeStatus.FINAL,
            )
            .group_by(Submission.learner_id, Submission.lesson_id)
        )
        for learner, _task, best in rows:
            out[learner].append(int(best))
        return out

    async def completed_by(self, learner_ids: Collection[int]) -> dict[int, set[str]]:
        out: dict[int, set[str]] = {lid: set() for lid in learner_ids}
        if not out:
            return out
        rows = await self.s.execute(
            select(Progress.learner_id, Progress.lesson_id).where(
                Progress.learner_id.in_(sorted(out)), Progress.completed_on.is_not(None)
            )
        )
        for learner, lesson in rows:
            out[learner].add(lesson)
        return out

    async def certified_levels(self, learner_ids: Collection[int]) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {lid: set() for lid in learner_ids}
        if not out:
            return out
        rows = await self.s.execute(
            select(Certificate.learner_id, Certificate.level).where(
                Certificate.learner_id.in_(sorted(out)), Certificate.revoked_at.is_(None)
            )
        )
        for learner, level in rows:
            out[learner].add(int(level))
        return out


def _item(sub: Submission, grade: GradeRecord) -> PeerItem:
    return PeerItem(sub.id, sub.learner_id, sub.lesson_id, sub.text, grade.id, grade.score)


def _review(
    review: PeerReview, sub: Submission, mentor: Learner, grade: GradeRecord | None
) -> PeerReviewRecord:
    return PeerReviewRecord(
        review.id,
        review.submission_id,
        review.mentor_id,
        public_name(mentor.display_name, mentor.nickname, mentor.show_name),
        sub.learner_id,
        sub.lesson_id,
        grade.id if grade else None,
        grade.score if grade else None,
        dict(review.marks or {}),
        review.comment or "",
        review.created_at,
        review.verdict,
    )
