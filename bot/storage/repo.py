"""The `Repo` port on SQLAlchemy. It never commits: the surrounding transaction does."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, and_, delete, func, insert, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.ports import (
    DeliveryRecord,
    GradeInfo,
    GradeStatus,
    HeldSummary,
    IdentityRecord,
    InboxItem,
    LearnerRecord,
    SubmissionRecord,
    TokenPair,
    UnitRecord,
)
from bot.storage.badges import SqlBadges
from bot.storage.models import (
    ActivityDay,
    ChannelUsage,
    Delivery,
    GradeRecord,
    Identity,
    InboxEvent,
    Learner,
    LedgerEntry,
    LinkCode,
    OAToken,
    ProcessedUpdate,
    Progress,
    QuizAnswer,
    Submission,
    SubmissionFingerprint,
    TryAIUsage,
    Unit,
    UTCDateTime,
)
from bot.storage.rankings import SqlRankings
from lessons.plan import Assignment
from scoring.points import Award
from scoring.standings import GroupStats

_LEARNER_FIELDS = {
    "display_name", "nickname", "show_name", "birth_year", "occupation", "lesson_time",
    "timezone", "language", "unit_id", "status", "consent_at", "last_active_at",
}


def _learner(row: Learner) -> LearnerRecord:
    return LearnerRecord(
        id=row.id, nickname=row.nickname, timezone=row.timezone, status=row.status,
        display_name=row.display_name, show_name=row.show_name, birth_year=row.birth_year,
        occupation=row.occupation, lesson_time=row.lesson_time, language=row.language,
        unit_id=row.unit_id, consent_at=row.consent_at, created_at=row.created_at,
    )


def _identity(row: Identity) -> IdentityRecord:
    return IdentityRecord(
        id=row.id, learner_id=row.learner_id, channel=row.channel, external_id=row.external_id,
        chat_id=row.chat_id, reachable=row.reachable, state=dict(row.state or {}),
        last_seen_at=row.last_seen_at,
    )


def _unit(row: Unit) -> UnitRecord:
    return UnitRecord(row.id, row.code, row.name, row.kind, row.parent_id, row.population,
                      row.join_code)


def _submission(row: Submission) -> SubmissionRecord:
    return SubmissionRecord(row.id, row.learner_id, row.lesson_id, row.channel, row.text,
                            row.photo_ref, row.status, row.received_at,
                            tuple(row.exchange or ()))


class SqlRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session
        self.badges = SqlBadges(session)
        self.rankings = SqlRankings(session)

    @property
    def _dialect(self) -> str:
        return self.s.bind.dialect.name if self.s.bind else "sqlite"

    def _insert(self, model: type) -> Any:
        return postgresql.insert(model) if self._dialect == "postgresql" else sqlite.insert(model)

    def _insert_ignore(self, model: type, **values: Any) -> Any:
        """INSERT that does nothing on a unique conflict, on SQLite and PostgreSQL alike."""
        dialect = self.s.bind.dialect.name if self.s.bind else "sqlite"
        stmt = (postgresql.insert(model) if dialect == "postgresql" else sqlite.insert(model))
        return stmt.values(**values).on_conflict_do_nothing()

    async def _inserted(self, model: type, **values: Any) -> bool:
        result = await self.s.execute(self._insert_ignore(model, **values))
        return bool(result.rowcount)

    # ---- identities and learners ---------------------------------------------------------

    async def identity(self, channel: str, external_id: str) -> IdentityRecord | None:
        row = await self.s.scalar(
            select(Identity).where(Identity.channel == channel, Identity.external_id == external_id)
        )
        return _identity(row) if row else None

    async def identities_of(self, learner_id: int) -> list[IdentityRecord]:
        rows = await self.s.scalars(select(Identity).where(Identity.learner_id == learner_id))
        return [_identity(r) for r in rows]

    async def create_learner(
        self, channel: str, external_id: str, chat_id: str, nickname: str, timezone: str,
        now: datetime,
    ) -> tuple[LearnerRecord, IdentityRecord]:
        learner = Learner(nickname=nickname, timezone=timezone, status="onboarding",
                          created_at=now, show_name=True, language="vi", last_active_at=now)
        self.s.add(learner)
        await self.s.flush()
        ident = Identity(learner_id=learner.id, channel=channel, external_id=external_id,
                         chat_id=chat_id, reachable=True, last_seen_at=now, state={})
        self.s.add(ident)
        await self.s.flush()
        return _learner(learner), _identity(ident)

    async def save_state(self, identity_id: int, state: dict[str, Any]) -> None:
        await self.s.execute(update(Identity).where(Identity.id == identity_id).values(state=state))

    async def touch_identity(self, identity_id: int, chat_id: str, now: datetime) -> None:
        await self.s.execute(
            update(Identity).where(Identity.id == identity_id)
            .values(chat_id=chat_id, last_seen_at=now, reachable=True)
        )
        learner_id = select(Identity.learner_id).where(Identity.id == identity_id).scalar_subquery()
        await self.s.execute(update(Learner).where(Learner.id == learner_id)
                             .values(last_active_at=now))

    async def set_reachable(self, learner_id: int, channel: str, reachable: bool) -> None:
        await self.s.execute(
            update(Identity).where(Identity.learner_id == learner_id, Identity.channel == channel)
            .values(reachable=reachable)
        )

    async def learner(self, learner_id: int) -> LearnerRecord | None:
        row = await self.s.get(Learner, learner_id)
        return _learner(row) if row else None

    async def update_learner(self, learner_id: int, **fields: Any) -> None:
        unknown = set(fields) - _LEARNER_FIELDS
        if unknown:
            raise ValueError(f"not learner fields: {sorted(unknown)}")
        if fields.keys() & {"lesson_time", "timezone", "status"}:
            fields["next_due_at"] = None  # worked out again by the next delivery tick
        await self.s.execute(update(Learner).where(Learner.id == learner_id).values(**fields))

    async def delete_learner(self, learner_id: int) -> None:
        # Explicit deletes, children first, so that it works without ON DELETE CASCADE support.
        subs = select(Submission.id).where(Submission.learner_id == learner_id)
        await self.s.execute(delete(GradeRecord).where(GradeRecord.submission_id.in_(subs)))
        for model in (Submission, QuizAnswer, Progress, LedgerEntry, ActivityDay, Delivery,
                      LinkCode, Identity, TryAIUsage):
            await self.s.execute(delete(model).where(model.learner_id == learner_id))
        await self.s.execute(delete(Learner).where(Learner.id == learner_id))

    async def export_learner(self, learner_id: int) -> dict[str, Any]:
        learner = await self.s.get(Learner, learner_id)
        if learner is None:
            return {}

        def rows(items: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
            return [{f: getattr(r, f) for f in fields} for r in items]

        unit = await self.s.get(Unit, learner.unit_id) if learner.unit_id else None
        subs = list(await self.s.scalars(
            select(Submission).where(Submission.learner_id == learner_id).order_by(Submission.id)))
        grades = list(await self.s.scalars(
            select(GradeRecord).where(GradeRecord.submission_id.in_([s.id for s in subs]))))
        return {
            "learner": {f: getattr(learner, f) for f in (
                "id", "display_name", "nickname", "show_name", "birth_year", "occupation",
                "lesson_time", "timezone", "language", "status", "consent_at", "created_at")},
            "group": unit.name if unit else None,
            "channels": rows(await self.s.scalars(
                select(Identity).where(Identity.learner_id == learner_id)),
                ("channel", "external_id", "last_seen_at")),
            "lessons": rows(await self.s.scalars(
                select(Progress).where(Progress.learner_id == learner_id)),
                ("lesson_id", "assigned_on", "completed_on", "best_score")),
            "quiz_answers": rows(await self.s.scalars(
                select(QuizAnswer).where(QuizAnswer.learner_id == learner_id)),
                ("lesson_id", "question", "choice", "correct", "answered_at")),
            "submissions": rows(subs, ("id", "lesson_id", "text", "photo_ref", "received_at",
                                       "exchange")),
            "grades": rows(grades, ("submission_id", "score", "status", "detail", "created_at")),
            "points": rows(await self.s.scalars(
                select(LedgerEntry).where(LedgerEntry.learner_id == learner_id)),
                ("points", "reason", "created_at")),
        }

    # ---- units ---------------------------------------------------------------------------

    async def unit(self, unit_id: int) -> UnitRecord | None:
        row = await self.s.get(Unit, unit_id)
        return _unit(row) if row else None

    async def unit_by_join_code(self, join_code: str) -> UnitRecord | None:
        row = await self.s.scalar(select(Unit).where(Unit.join_code == join_code.upper()))
        return _unit(row) if row else None

    async def unit_by_code(self, code: str) -> UnitRecord | None:
        row = await self.s.scalar(select(Unit).where(Unit.code == code))
        return _unit(row) if row else None

    async def units(self) -> list[UnitRecord]:
        return [_unit(r) for r in await self.s.scalars(select(Unit).order_by(Unit.id))]

    async def upsert_unit(
        self, code: str, name: str, kind: str, parent_code: str | None, population: int | None,
        join_code: str,
    ) -> UnitRecord:
        parent = await self.s.scalar(select(Unit).where(Unit.code == parent_code)) if (
            parent_code) else None
        if parent_code and parent is None:
            raise LookupError(parent_code)
        row = await self.s.scalar(select(Unit).where(Unit.code == code))
        if row is None:
            row = Unit(code=code, join_code=join_code)
            self.s.add(row)
        row.name, row.kind, row.population = name, kind, population
        row.parent_id = parent.id if parent else None
        await self.s.flush()
        return _unit(row)

    # ---- updates -------------------------------------------------------------------------

    async def first_time_seen(self, channel: str, key: str, now: datetime) -> bool:
        return await self._inserted(ProcessedUpdate, channel=channel, key=key, seen_at=now)

    # ---- lessons and quiz ----------------------------------------------------------------

    async def current_assignment(self, learner_id: int) -> Assignment | None:
        row = await self.s.scalar(
            select(Progress).where(Progress.learner_id == learner_id)
            .order_by(Progress.assigned_on.desc(), Progress.id.desc()).limit(1)
        )
        return Assignment(row.lesson_id, row.assigned_on, row.completed_on,
                          row.started_at) if row else None

    async def assignment(self, learner_id: int, lesson_id: str) -> Assignment | None:
        row = await self.s.scalar(select(Progress).where(Progress.learner_id == learner_id,
                                                         Progress.lesson_id == lesson_id))
        return Assignment(row.lesson_id, row.assigned_on, row.completed_on,
                          row.started_at) if row else None

    async def mark_started(self, learner_id: int, lesson_id: str, now: datetime) -> None:
        await self.s.execute(
            update(Progress).where(Progress.learner_id == learner_id,
                                   Progress.lesson_id == lesson_id,
                                   Progress.started_at.is_(None))
            .values(started_at=now))

    async def completed_lessons(self, learner_id: int) -> set[str]:
        rows = await self.s.scalars(select(Progress.lesson_id).where(
            Progress.learner_id == learner_id, Progress.completed_on.is_not(None)))
        return set(rows)

    async def assign(self, learner_id: int, lesson_id: str, level: int, day: date) -> None:
        await self._inserted(Progress, learner_id=learner_id, lesson_id=lesson_id, level=level,
                             assigned_on=day)

    async def complete(self, learner_id: int, lesson_id: str, day: date) -> bool:
        result = await self.s.execute(
            update(Progress).where(Progress.learner_id == learner_id,
                                   Progress.lesson_id == lesson_id,
                                   Progress.completed_on.is_(None))
            .values(completed_on=day)
        )
        return bool(result.rowcount)

    async def lessons_completed_on(self, learner_id: int, day: date) -> int:
        return int(await self.s.scalar(select(func.count()).select_from(Progress).where(
            Progress.learner_id == learner_id, Progress.completed_on == day)) or 0)

    async def record_quiz_answer(
        self, learner_id: int, lesson_id: str, question: int, choice: int, correct: bool,
        now: datetime,
    ) -> bool:
        return await self._inserted(QuizAnswer, learner_id=learner_id, lesson_id=lesson_id,
                                    question=question, choice=choice, correct=correct,
                                    answered_at=now)

    async def quiz_answers(self, learner_id: int, lesson_id: str) -> dict[int, bool]:
        rows = await self.s.execute(select(QuizAnswer.question, QuizAnswer.correct).where(
            QuizAnswer.learner_id == learner_id, QuizAnswer.lesson_id == lesson_id))
        return {q: bool(c) for q, c in rows}

    # ---- submissions and grades ----------------------------------------------------------

    async def add_submission(
        self, learner_id: int, lesson_id: str, channel: str, text: str, photo_ref: str | None,
        dedup_key: str | None, status: str, now: datetime,
        exchange: tuple[dict[str, str], ...] = (),
    ) -> tuple[SubmissionRecord, bool]:
        if dedup_key:
            existing = await self.s.scalar(select(Submission).where(
                Submission.dedup_key == dedup_key))
            if existing is not None:
                return _submission(existing), False
        row = Submission(learner_id=learner_id, lesson_id=lesson_id, channel=channel, text=text,
                         photo_ref=photo_ref, dedup_key=dedup_key, status=status, received_at=now,
                         exchange=list(exchange) or None)
        self.s.add(row)
        await self.s.flush()
        return _submission(row), True

    async def submission(self, submission_id: int) -> SubmissionRecord | None:
        row = await self.s.get(Submission, submission_id)
        return _submission(row) if row else None

    async def ungraded_submissions(self, before: datetime, limit: int) -> list[SubmissionRecord]:
        rows = await self.s.scalars(
            select(Submission).where(Submission.status == "received",
                                     Submission.received_at < before)
            .order_by(Submission.id).limit(limit))
        return [_submission(r) for r in rows]

    async def add_fingerprints(
        self, submission_id: int, learner_id: int, lesson_id: str, bands: list[int]
    ) -> None:
        """Store a submission's LSH bands (none for a text too short to fingerprint)."""
        if bands:
            await self.s.execute(insert(SubmissionFingerprint), [
                {"submission_id": submission_id, "learner_id": learner_id, "lesson_id": lesson_id,
                 "band": band} for band in set(bands)])

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
            .where(SubmissionFingerprint.lesson_id == lesson_id,
                   SubmissionFingerprint.band.in_(set(bands)),
                   SubmissionFingerprint.learner_id != exclude_learner)
            .group_by(Submission.id, Submission.text)
            .order_by(shared.desc(), Submission.id.desc()).limit(limit))
        return [text for text, _ in rows]

    async def add_grade(
        self, submission_id: int, score: int, detail: dict[str, Any], status: str, grader: str,
        tokens: int, points_paid: int, now: datetime,
    ) -> int:
        row = GradeRecord(submission_id=submission_id, score=score, detail=detail, status=status,
                          grader=grader, tokens=tokens, points_paid=points_paid, created_at=now)
        self.s.add(row)
        await self.s.execute(update(Submission).where(Submission.id == submission_id)
                             .values(status="graded"))
        await self.s.flush()
        return row.id

    async def practice_ledger(self, learner_id: int, lesson_id: str) -> tuple[int, int]:
        count, total = (await self.s.execute(
            select(func.count(), func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                LedgerEntry.learner_id == learner_id,
                LedgerEntry.reason.in_(("practice", "regrade")),
                LedgerEntry.key.like(f"%:{learner_id}:{lesson_id}:%")))).one()
        return int(count or 0), int(total or 0)

    async def best_confirmed_score(self, learner_id: int, lesson_id: str) -> int | None:
        return await self.s.scalar(
            select(func.max(GradeRecord.score))
            .join(Submission, Submission.id == GradeRecord.submission_id)
            .where(Submission.learner_id == learner_id, Submission.lesson_id == lesson_id,
                   GradeRecord.status == GradeStatus.FINAL))

    async def set_points_paid(self, grade_id: int, points: int) -> None:
        await self.s.execute(update(GradeRecord).where(GradeRecord.id == grade_id)
                             .values(points_paid=points))

    async def practice_points_paid(self, learner_id: int, lesson_id: str) -> int:
        return (await self.practice_ledger(learner_id, lesson_id))[1]

    async def set_best_score(self, learner_id: int, lesson_id: str, score: int) -> None:
        await self.s.execute(
            update(Progress).where(
                Progress.learner_id == learner_id, Progress.lesson_id == lesson_id,
                (Progress.best_score.is_(None)) | (Progress.best_score < score))
            .values(best_score=score))

    async def has_graded_submission(self, learner_id: int, lesson_id: str) -> bool:
        found = await self.s.scalar(
            select(Submission.id).where(Submission.learner_id == learner_id,
                                        Submission.lesson_id == lesson_id,
                                        Submission.status == "graded").limit(1))
        return found is not None

    def _grade_query(self):  # type: ignore[no-untyped-def]
        return (select(GradeRecord, Submission)
                .join(Submission, Submission.id == GradeRecord.submission_id))

    @staticmethod
    def _grade_info(grade: GradeRecord, sub: Submission) -> GradeInfo:
        return GradeInfo(grade.id, grade.submission_id, sub.learner_id, sub.lesson_id,
                         grade.score, grade.status, dict(grade.detail or {}), grade.points_paid,
                         grade.appealed, sub.text, sub.photo_ref)

    async def grade(self, grade_id: int) -> GradeInfo | None:
        row = (await self.s.execute(self._grade_query().where(GradeRecord.id == grade_id))).first()
        return self._grade_info(*row) if row else None

    async def set_grade_status(
        self, grade_id: int, status: str, appealed: bool | None = None,
        reviewer: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status}
        if appealed is not None:
            values["appealed"] = appealed
        if reviewer is not None:
            values["reviewer"] = reviewer
        await self.s.execute(update(GradeRecord).where(GradeRecord.id == grade_id).values(**values))

    async def review_queue(self, limit: int) -> list[GradeInfo]:
        rows = await self.s.execute(self._grade_query().where(GradeRecord.status == "review")
                                    .order_by(GradeRecord.created_at, GradeRecord.id).limit(limit))
        return [self._grade_info(g, s) for g, s in rows]

    async def latest_grade(self, learner_id: int) -> GradeInfo | None:
        row = (await self.s.execute(
            self._grade_query().where(Submission.learner_id == learner_id,
                                      GradeRecord.status != "superseded")
            .order_by(GradeRecord.id.desc()).limit(1))).first()
        return self._grade_info(*row) if row else None

    async def review_count(self) -> int:
        return int(await self.s.scalar(select(func.count()).select_from(GradeRecord).where(
            GradeRecord.status == "review")) or 0)

    async def provisional_grades(self, limit: int, up_to: int | None = None) -> list[GradeInfo]:
        query = self._grade_query().where(GradeRecord.status == GradeStatus.PROVISIONAL)
        if up_to is not None:
            query = query.where(GradeRecord.id <= up_to)
        rows = await self.s.execute(query.order_by(GradeRecord.id).limit(limit))
        return [self._grade_info(g, s) for g, s in rows]

    async def provisional_summary(self, up_to: int | None = None) -> HeldSummary:
        query = select(func.count(), func.min(GradeRecord.score), func.max(GradeRecord.score),
                       func.max(GradeRecord.id)).where(
            GradeRecord.status == GradeStatus.PROVISIONAL)
        if up_to is not None:
            query = query.where(GradeRecord.id <= up_to)
        count, low, high, last = (await self.s.execute(query)).one()
        return HeldSummary(int(count or 0), int(low or 0), int(high or 0), int(last or 0))

    # ---- points and activity -------------------------------------------------------------

    async def award(self, learner_id: int, award: Award, now: datetime) -> bool:
        return await self._inserted(LedgerEntry, learner_id=learner_id, key=award.key,
                                    points=award.points, reason=award.reason, created_at=now)

    async def points(self, learner_id: int) -> int:
        total = await self.s.scalar(select(func.coalesce(func.sum(LedgerEntry.points), 0))
                                    .where(LedgerEntry.learner_id == learner_id))
        return int(total or 0)

    async def add_activity_day(self, learner_id: int, day: date) -> None:
        await self._inserted(ActivityDay, learner_id=learner_id, day=day)

    async def activity_days(self, learner_id: int) -> list[date]:
        return list(await self.s.scalars(
            select(ActivityDay.day).where(ActivityDay.learner_id == learner_id)))

    # ---- standings -----------------------------------------------------------------------

    async def learner_points_in_unit(
        self, unit_id: int | None, since: datetime | None
    ) -> list[tuple[int, str, int]]:
        if unit_id is None:
            return []
        join_on = LedgerEntry.learner_id == Learner.id
        if since is not None:
            join_on = and_(join_on, LedgerEntry.created_at >= since)
        rows = await self.s.execute(
            select(Learner.id, Learner.display_name, Learner.nickname, Learner.show_name,
                   func.coalesce(func.sum(LedgerEntry.points), 0))
            .outerjoin(LedgerEntry, join_on)
            .where(Learner.unit_id == unit_id, Learner.status != "onboarding")
            .group_by(Learner.id, Learner.display_name, Learner.nickname, Learner.show_name))
        return [
            (lid, (dn if show and dn else nick), int(pts)) for lid, dn, nick, show, pts in rows
        ]

    async def group_stats(self, parent_id: int, since: datetime) -> list[GroupStats]:
        groups = list(await self.s.scalars(select(Unit).where(Unit.parent_id == parent_id)))
        if not groups:
            return []
        ids = [g.id for g in groups]
        members = dict((await self.s.execute(
            select(Learner.unit_id, func.count()).where(
                Learner.unit_id.in_(ids), Learner.status != "onboarding")
            .group_by(Learner.unit_id))).all())
        # One index probe per member for a point since `since` (LIMIT 1 keeps the subquery
        # correlated, so the planner cannot turn it into a scan of the whole ledger): the cost
        # follows the commune's size, never the ledger's history.
        recent = (select(LedgerEntry.id)
                  .where(LedgerEntry.learner_id == Learner.id, LedgerEntry.created_at >= since)
                  .limit(1).correlate(Learner).scalar_subquery())
        active = dict((await self.s.execute(
            select(Learner.unit_id, func.count())
            .where(Learner.unit_id.in_(ids), recent.is_not(None))
            .group_by(Learner.unit_id))).all())
        # Each learner's best confirmed score per lesson graded this period: junk that was never
        # confirmed, and a learner's weaker attempts, do not pull the group's average.
        best = (select(Learner.unit_id.label("unit_id"),
                       func.max(GradeRecord.score).label("best"))
                .join(Submission, Submission.learner_id == Learner.id)
                .join(GradeRecord, GradeRecord.submission_id == Submission.id)
                .where(Learner.unit_id.in_(ids), GradeRecord.created_at >= since,
                       GradeRecord.status == GradeStatus.FINAL)
                .group_by(Learner.unit_id, Learner.id, Submission.lesson_id)).subquery()
        avg = dict((await self.s.execute(
            select(best.c.unit_id, func.avg(best.c.best)).group_by(best.c.unit_id))).all())
        return [
            GroupStats(g.id, g.name, int(members.get(g.id, 0)), int(active.get(g.id, 0)),
                       float(avg.get(g.id) or 0.0))
            for g in groups
        ]

    async def lesson_count(self, learner_id: int) -> int:
        return int(await self.s.scalar(select(func.count()).select_from(Progress).where(
            Progress.learner_id == learner_id, Progress.completed_on.is_not(None))) or 0)

    # ---- delivery ------------------------------------------------------------------------

    async def unset_due_slots(self) -> list[tuple[str, str]]:
        """(zone, lesson time) pairs of active learners whose next due time is not set."""
        rows = await self.s.execute(
            select(Learner.timezone, Learner.lesson_time).distinct()
            .where(Learner.next_due_at.is_(None), Learner.status == "active",
                   Learner.lesson_time.is_not(None)))
        return [(tz, t) for tz, t in rows]

    async def set_unset_due(self, zone: str, lesson_time: str, due_at: datetime) -> int:
        result = await self.s.execute(
            update(Learner).where(Learner.next_due_at.is_(None), Learner.status == "active",
                                  Learner.timezone == zone, Learner.lesson_time == lesson_time)
            .values(next_due_at=due_at))
        return int(result.rowcount or 0)

    async def due_slots(self, now: datetime) -> list[tuple[str, str]]:
        """(zone, lesson time) pairs with a learner due by `now` (a range on the due index)."""
        rows = await self.s.execute(
            select(Learner.timezone, Learner.lesson_time).distinct()
            .where(Learner.next_due_at <= now))
        return [(tz, t) for tz, t in rows]

    async def plan_due(
        self, zone: str, lesson_time: str, now: datetime, day: date | None,
        due_at: datetime | None, next_due_at: datetime, limit: int,
    ) -> tuple[int, int]:
        """Move up to `limit` due learners of one slot on to `next_due_at` and, when `day` is
        given, give the reachable active ones a pending delivery row for it, in two statements.
        Returns (learners moved on, rows created). The lesson is chosen when the row is sent."""
        due = (select(Learner.id).where(Learner.next_due_at <= now, Learner.timezone == zone,
                                        Learner.lesson_time == lesson_time)
               .order_by(Learner.id).limit(limit))
        if self._dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)  # two planners take different learners
        move = (update(Learner).where(Learner.id.in_(due.scalar_subquery()))
                .values(next_due_at=next_due_at).returning(Learner.id)
                .execution_options(synchronize_session=False))
        reachable = select(Identity.id).where(Identity.learner_id == Learner.id,
                                              Identity.reachable).exists()
        columns = ["learner_id", "day", "lesson_id", "due_at", "status", "parts_sent", "attempts"]

        def rows(moved: Any) -> Any:
            return select(Learner.id, literal(day, Date), literal(""),
                          literal(due_at, UTCDateTime), literal("pending"), literal(0),
                          literal(0)).where(
                Learner.id.in_(moved), Learner.status == "active",
                Learner.lesson_time.is_not(None), reachable)

        if self._dialect == "postgresql" and day is not None and due_at is not None:
            # One statement: the moved ids never travel to Python and back.
            moved_cte = move.cte("moved")
            made_cte = (postgresql.insert(Delivery)
                        .from_select(columns, rows(select(moved_cte.c.id)))
                        .on_conflict_do_nothing().returning(Delivery.id).cte("made"))
            counts = (await self.s.execute(select(
                select(func.count()).select_from(moved_cte).scalar_subquery(),
                select(func.count()).select_from(made_cte).scalar_subquery()))).one()
            return int(counts[0]), int(counts[1])
        moved = list(await self.s.scalars(move))
        if not moved or day is None or due_at is None:
            return len(moved), 0
        stmt = self._insert(Delivery).from_select(columns, rows(moved)).on_conflict_do_nothing()
        result = await self.s.execute(stmt)
        return len(moved), int(result.rowcount or 0)

    async def set_delivery_lesson(self, delivery_id: int, lesson_id: str) -> None:
        await self.s.execute(update(Delivery).where(Delivery.id == delivery_id)
                             .values(lesson_id=lesson_id))

    async def create_delivery(
        self, learner_id: int, day: date, lesson_id: str, due_at: datetime,
        status: str = "pending",
    ) -> bool:
        return await self._inserted(Delivery, learner_id=learner_id, day=day, lesson_id=lesson_id,
                                    due_at=due_at, status=status, parts_sent=0, attempts=0)

    async def claim_deliveries(self, now: datetime, limit: int) -> list[DeliveryRecord]:
        """Mark due pending deliveries as 'sending' and return them (skip-locked on PostgreSQL)."""
        query = (select(Delivery).where(Delivery.status == "pending", Delivery.due_at <= now)
                 .order_by(Delivery.due_at, Delivery.id).limit(limit))
        if self.s.bind and self.s.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(await self.s.scalars(query))
        for row in rows:
            row.status, row.attempts, row.sent_at = "sending", row.attempts + 1, now
        await self.s.flush()
        return [DeliveryRecord(r.id, r.learner_id, r.day, r.lesson_id, r.parts_sent, r.attempts)
                for r in rows]

    async def delivery_progress(self, delivery_id: int, parts_sent: int, now: datetime) -> None:
        await self.s.execute(update(Delivery).where(Delivery.id == delivery_id)
                             .values(parts_sent=parts_sent, sent_at=now))

    async def finish_delivery(
        self, delivery_id: int, status: str, channel: str | None, error: str | None, now: datetime
    ) -> None:
        await self.s.execute(update(Delivery).where(Delivery.id == delivery_id).values(
            status=status, channel=channel, error=(error or "")[:200] or None, sent_at=now))

    async def retry_delivery(self, delivery_id: int, due_at: datetime, error: str) -> None:
        await self.s.execute(update(Delivery).where(Delivery.id == delivery_id).values(
            status="pending", due_at=due_at, error=error[:200]))

    async def release_stale_deliveries(self, before: datetime) -> int:
        """Deliveries left 'sending' by a crashed process go back to 'pending' to resume."""
        result = await self.s.execute(
            update(Delivery).where(Delivery.status == "sending", Delivery.sent_at <= before)
            .values(status="pending"))
        return int(result.rowcount or 0)

    # ---- linking channels ----------------------------------------------------------------

    async def learners_in_units(self, unit_ids: list[int]) -> list[LearnerRecord]:
        if not unit_ids:
            return []
        rows = await self.s.scalars(select(Learner).where(Learner.unit_id.in_(unit_ids))
                                    .order_by(Learner.unit_id, Learner.id))
        return [_learner(r) for r in rows]

    async def learner_has_progress(self, learner_id: int) -> bool:
        """Anything learnt or earned: an assigned lesson, a quiz answer, work, a point."""
        for model in (Progress, QuizAnswer, Submission, LedgerEntry):
            found = await self.s.scalar(
                select(model.id).where(model.learner_id == learner_id).limit(1))
            if found is not None:
                return True
        return False

    async def move_identities(self, from_learner: int, to_learner: int) -> None:
        await self.s.execute(update(Identity).where(Identity.learner_id == from_learner)
                             .values(learner_id=to_learner))

    async def delete_identity(self, identity_id: int) -> None:
        await self.s.execute(delete(Identity).where(Identity.id == identity_id))

    async def add_link_code(
        self, code: str, learner_id: int, now: datetime, expires_at: datetime
    ) -> bool:
        return await self._inserted(LinkCode, code=code, learner_id=learner_id, created_at=now,
                                    expires_at=expires_at)

    async def link_code_owner(self, code: str, now: datetime) -> int | None:
        return await self.s.scalar(select(LinkCode.learner_id).where(
            LinkCode.code == code.upper(), LinkCode.expires_at > now))

    async def drop_link_codes(self, learner_id: int) -> None:
        await self.s.execute(delete(LinkCode).where(LinkCode.learner_id == learner_id))

    # ---- the event inbox -----------------------------------------------------------------

    async def inbox_add(
        self, channel: str, key: str, user_key: str, payload: dict[str, Any], now: datetime
    ) -> bool:
        return await self._inserted(InboxEvent, channel=channel, key=key, user_key=user_key,
                                    payload=payload, status="pending", attempts=0,
                                    received_at=now, available_at=now)

    async def inbox_add_many(
        self, events: list[tuple[str, str, str, dict[str, Any]]], now: datetime
    ) -> set[tuple[str, str]]:
        """Insert many events in one statement; returns the (channel, key) pairs that were new."""
        if not events:
            return set()
        dialect = self.s.bind.dialect.name if self.s.bind else "sqlite"
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        rows = [dict(channel=c, key=k, user_key=u, payload=p, status="pending", attempts=0,
                     received_at=now, available_at=now) for c, k, u, p in events]
        stmt = (insert(InboxEvent).values(rows).on_conflict_do_nothing()
                .returning(InboxEvent.channel, InboxEvent.key))
        return {(c, k) for c, k in await self.s.execute(stmt)}

    async def inbox_claim(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[InboxItem]:
        """Take due events, keeping each user's events in order: a user's events are taken only
        from their earliest unfinished one on, and never while another worker holds one."""
        claimable = or_(
            and_(InboxEvent.status == "pending", InboxEvent.available_at <= now),
            and_(InboxEvent.status == "processing", InboxEvent.locked_until <= now),
        )
        query = select(InboxEvent).where(claimable).order_by(InboxEvent.id).limit(limit)
        if self.s.bind and self.s.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        candidates = {r.id: r for r in await self.s.scalars(query)}
        if not candidates:
            return []
        users = {r.user_key for r in candidates.values()}
        open_rows = await self.s.execute(
            select(InboxEvent.id, InboxEvent.user_key)
            .where(InboxEvent.user_key.in_(users),
                   InboxEvent.status.in_(("pending", "processing")))
            .order_by(InboxEvent.id))
        taken: list[InboxEvent] = []
        blocked: set[str] = set()
        for row_id, user_key in open_rows:
            if user_key in blocked:
                continue
            row = candidates.get(row_id)
            if row is None:  # an earlier event of this user is not ours to take yet
                blocked.add(user_key)
                continue
            taken.append(row)
        for row in taken:
            row.status, row.attempts, row.locked_until = "processing", row.attempts + 1, lease_until
        await self.s.flush()
        return [InboxItem(r.id, r.channel, r.key, r.user_key, dict(r.payload or {}), r.attempts)
                for r in taken]

    async def inbox_done(self, item_id: int) -> None:
        # The key stays, so that a redelivery is still recognised; the content goes.
        await self.s.execute(update(InboxEvent).where(InboxEvent.id == item_id)
                             .values(status="done", payload={}, locked_until=None, error=None))

    async def inbox_retry(self, item_id: int, available_at: datetime, error: str) -> None:
        await self.s.execute(update(InboxEvent).where(InboxEvent.id == item_id).values(
            status="pending", available_at=available_at, locked_until=None, error=error[:200]))

    async def inbox_failed(self, item_id: int, error: str) -> None:
        await self.s.execute(update(InboxEvent).where(InboxEvent.id == item_id).values(
            status="failed", locked_until=None, error=error[:200]))

    async def inbox_forget(self, user_key: str) -> int:
        result = await self.s.execute(delete(InboxEvent).where(InboxEvent.user_key == user_key))
        return int(result.rowcount or 0)

    async def inbox_purge(self, done_before: datetime) -> int:
        result = await self.s.execute(delete(InboxEvent).where(
            InboxEvent.status.in_(("done", "failed")), InboxEvent.received_at < done_before))
        return int(result.rowcount or 0)

    # ---- platform tokens -----------------------------------------------------------------

    async def token_pair(self, app_id: str) -> TokenPair | None:
        row = await self.s.get(OAToken, app_id, populate_existing=True)
        if row is None:
            return None
        return TokenPair(row.access_token, row.refresh_token, row.expires_at,
                         row.refreshing_until, row.seed_hash)

    async def seed_token_pair(
        self, app_id: str, pair: TokenPair, seed_hash: str, now: datetime
    ) -> None:
        row = await self.s.get(OAToken, app_id)
        if row is None:
            self.s.add(OAToken(app_id=app_id, access_token=pair.access_token,
                               refresh_token=pair.refresh_token, expires_at=pair.expires_at,
                               refreshed_at=now, refreshing_until=None, seed_hash=seed_hash))
        else:
            row.access_token, row.refresh_token = pair.access_token, pair.refresh_token
            row.expires_at, row.refreshed_at = pair.expires_at, now
            row.refreshing_until, row.seed_hash = None, seed_hash
        await self.s.flush()

    async def lease_token_refresh(
        self, app_id: str, refresh_token: str, now: datetime, until: datetime
    ) -> bool:
        """Compare-and-swap: only the holder of the current refresh token, with no live lease."""
        result = await self.s.execute(
            update(OAToken).where(
                OAToken.app_id == app_id, OAToken.refresh_token == refresh_token,
                or_(OAToken.refreshing_until.is_(None), OAToken.refreshing_until <= now))
            .values(refreshing_until=until))
        return bool(result.rowcount)

    async def swap_token_pair(
        self, app_id: str, old_refresh_token: str, pair: TokenPair, now: datetime
    ) -> bool:
        result = await self.s.execute(
            update(OAToken).where(OAToken.app_id == app_id,
                                  OAToken.refresh_token == old_refresh_token)
            .values(access_token=pair.access_token, refresh_token=pair.refresh_token,
                    expires_at=pair.expires_at, refreshed_at=now, refreshing_until=None))
        return bool(result.rowcount)

    async def release_token_lease(self, app_id: str, refresh_token: str) -> None:
        await self.s.execute(update(OAToken).where(
            OAToken.app_id == app_id, OAToken.refresh_token == refresh_token)
            .values(refreshing_until=None))

    # ---- monthly quotas ------------------------------------------------------------------

    async def add_usage(self, channel: str, month: str, messages: int) -> int:
        await self._inserted(ChannelUsage, channel=channel, month=month, messages=0)
        await self.s.execute(update(ChannelUsage).where(
            ChannelUsage.channel == channel, ChannelUsage.month == month)
            .values(messages=ChannelUsage.messages + messages))
        return await self.usage(channel, month)

    async def usage(self, channel: str, month: str) -> int:
        used = await self.s.scalar(select(ChannelUsage.messages).where(
            ChannelUsage.channel == channel, ChannelUsage.month == month))
        return int(used or 0)

    # ---- the in-chat model's daily use ("Thử với AI ngay đây") ---------------------------

    async def tryai_used(self, learner_id: int, day: date) -> tuple[int, int]:
        """(this learner's turns today, every learner's tokens today)."""
        turns = await self.s.scalar(select(TryAIUsage.turns).where(
            TryAIUsage.learner_id == learner_id, TryAIUsage.day == day))
        tokens = await self.s.scalar(select(func.sum(TryAIUsage.tokens)).where(
            TryAIUsage.day == day))
        return int(turns or 0), int(tokens or 0)

    async def add_tryai_use(self, learner_id: int, day: date, tokens: int) -> None:
        await self._inserted(TryAIUsage, learner_id=learner_id, day=day, turns=0, tokens=0)
        await self.s.execute(update(TryAIUsage).where(
            TryAIUsage.learner_id == learner_id, TryAIUsage.day == day)
            .values(turns=TryAIUsage.turns + 1, tokens=TryAIUsage.tokens + max(0, tokens)))

    async def count(self, model_name: str) -> int:
        model = {"deliveries": Delivery, "learners": Learner, "submissions": Submission,
                 "inbox": InboxEvent, "identities": Identity}[model_name]
        return int(await self.s.scalar(select(func.count()).select_from(model)) or 0)


__all__ = ["SqlRepo", "insert"]
