"""The `Classes` port on SQLAlchemy: classes as units of kind "lớp", members, sessions."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from bot.services.ports.classes import CLASS_KIND, ClassRecord, RosterRow, SessionRecord
from bot.services.ports.records import LearnerStatus, UnitRecord
from bot.storage.models import (
    ActivityDay,
    ClassInfo,
    ClassMember,
    ClassSession,
    Learner,
    LedgerEntry,
    PeerReview,
    Progress,
    SessionCheckin,
    Submission,
    Unit,
    UnitClosure,
)
from bot.storage.repos.base import SqlPort
from bot.storage.repos.scope import covered
from bot.storage.repos.units import _unit


def public_name(display_name: str | None, nickname: str, show_name: bool) -> str:
    return display_name if show_name and display_name else nickname


def _session(row: ClassSession) -> SessionRecord:
    return SessionRecord(row.id, row.class_id, row.code, row.opened_by, row.starts_at, row.ends_at)


class SqlClasses(SqlPort):
    async def add_class(
        self,
        parent_id: int,
        code: str,
        name: str,
        join_code: str,
        opened_by: int,
        now: datetime,
    ) -> UnitRecord:
        unit = Unit(code=code, name=name, kind=CLASS_KIND, parent_id=parent_id, join_code=join_code)
        self.s.add(unit)
        await self.s.flush()
        self.s.add(ClassInfo(unit_id=unit.id, opened_by=opened_by, opened_at=now))
        # The unit tree's closure (permissions and standings read it): the class under every
        # ancestor of its parent, one step deeper, and under itself.
        await self.s.execute(
            insert(UnitClosure).from_select(
                ["ancestor_id", "descendant_id", "depth"],
                select(UnitClosure.ancestor_id, literal(unit.id), UnitClosure.depth + 1)
                .where(UnitClosure.descendant_id == parent_id)
                .union_all(select(literal(unit.id), literal(unit.id), literal(0))),
            )
        )
        await self.s.flush()
        return _unit(unit)

    def _class_query(self) -> Select[ClassInfo, Unit, int]:
        members = (
            select(func.count())
            .where(ClassMember.class_id == ClassInfo.unit_id)
            .correlate(ClassInfo)
            .scalar_subquery()
        )
        return select(ClassInfo, Unit, members).join(Unit, Unit.id == ClassInfo.unit_id)

    async def class_info(self, unit_id: int) -> ClassRecord | None:
        row = (
            await self.s.execute(self._class_query().where(ClassInfo.unit_id == unit_id))
        ).first()
        return _class(*row) if row else None

    async def classes_in(self, unit_ids: Collection[int] | None) -> list[ClassRecord]:
        query = self._class_query()
        if unit_ids is not None:
            query = query.where(ClassInfo.unit_id.in_(sorted(set(unit_ids))))
        rows = await self.s.execute(
            query.order_by(
                ClassInfo.closed_at.is_not(None),
                ClassInfo.opened_at.desc(),
                ClassInfo.unit_id.desc(),
            )
        )
        return [_class(*row) for row in rows]

    async def close_class(self, unit_id: int, now: datetime) -> bool:
        if not await self._changed(
            update(ClassInfo)
            .where(ClassInfo.unit_id == unit_id, ClassInfo.closed_at.is_(None))
            .values(closed_at=now)
        ):
            return False
        # The join code stops working; the members and their history stay.
        await self.s.execute(update(Unit).where(Unit.id == unit_id).values(join_code=None))
        return True

    async def add_member(self, class_id: int, learner_id: int, now: datetime) -> bool:
        return await self._inserted(
            ClassMember, class_id=class_id, learner_id=learner_id, joined_at=now
        )

    async def classes_of(self, learner_id: int) -> list[int]:
        rows = await self.s.scalars(
            select(ClassMember.class_id)
            .join(ClassInfo, ClassInfo.unit_id == ClassMember.class_id)
            .where(ClassMember.learner_id == learner_id, ClassInfo.closed_at.is_(None))
            .order_by(ClassMember.id)
        )
        return list(rows)

    async def roster(self, class_id: int) -> list[RosterRow]:
        member = ClassMember.learner_id
        done = (
            select(func.count())
            .where(Progress.learner_id == member, Progress.completed_on.is_not(None))
            .correlate(ClassMember)
            .scalar_subquery()
        )
        last = (
            select(func.max(ActivityDay.day))
            .where(ActivityDay.learner_id == member)
            .correlate(ClassMember)
            .scalar_subquery()
        )
        points = (
            select(func.coalesce(func.sum(LedgerEntry.points), 0))
            .where(LedgerEntry.learner_id == member)
            .correlate(ClassMember)
            .scalar_subquery()
        )
        attended = (
            select(func.count())
            .select_from(SessionCheckin)
            .join(ClassSession, ClassSession.id == SessionCheckin.session_id)
            .where(
                SessionCheckin.learner_id == member, ClassSession.class_id == ClassMember.class_id
            )
            .correlate(ClassMember)
            .scalar_subquery()
        )
        rows = await self.s.execute(
            select(
                Learner.id,
                Learner.display_name,
                Learner.nickname,
                Learner.show_name,
                done,
                last,
                points,
                attended,
            )
            .join(ClassMember, ClassMember.learner_id == Learner.id)
            .where(ClassMember.class_id == class_id)
            .order_by(ClassMember.joined_at, Learner.id)
        )
        return [
            RosterRow(lid, public_name(dn, nick, show), int(d or 0), day, int(p or 0), int(a or 0))
            for lid, dn, nick, show, d, day, p, a in rows
        ]

    async def learners_in(self, unit_ids: Collection[int]) -> list[int]:
        if not unit_ids:
            return []
        rows = await self.s.scalars(
            select(Learner.id)
            .where(covered(Learner.id, unit_ids), Learner.status != LearnerStatus.ONBOARDING)
            .order_by(Learner.id)
        )
        return list(rows)

    async def covers(self, learner_id: int, unit_ids: Collection[int]) -> bool:
        if not unit_ids:
            return False
        found = await self.s.scalar(
            select(Learner.id).where(Learner.id == learner_id, covered(Learner.id, unit_ids))
        )
        return found is not None

    async def open_session(
        self,
        class_id: int,
        code: str,
        opened_by: int,
        starts_at: datetime,
        ends_at: datetime,
    ) -> SessionRecord | None:
        if await self.session_by_code(code) is not None:
            return None
        row = ClassSession(
            class_id=class_id, code=code, opened_by=opened_by, starts_at=starts_at, ends_at=ends_at
        )
        try:
            async with self.s.begin_nested():  # a racing process drew the same code
                self.s.add(row)
                await self.s.flush()
        except IntegrityError:
            return None
        return _session(row)

    async def session_by_code(self, code: str) -> SessionRecord | None:
        row = await self.s.scalar(select(ClassSession).where(ClassSession.code == code.upper()))
        return _session(row) if row else None

    async def check_in(self, session_id: int, learner_id: int, now: datetime) -> bool:
        return await self._inserted(
            SessionCheckin, session_id=session_id, learner_id=learner_id, at=now
        )

    async def session_count(self, class_id: int) -> int:
        return int(
            await self.s.scalar(
                select(func.count())
                .select_from(ClassSession)
                .where(ClassSession.class_id == class_id)
            )
            or 0
        )


def _class(info: ClassInfo, unit: Unit, members: int | None) -> ClassRecord:
    return ClassRecord(
        _unit(unit), info.opened_by, info.opened_at, info.closed_at, int(members or 0)
    )


async def teaching_export(session: Any, learner_id: int) -> dict[str, Any]:
    """A learner's part in classes, sessions and peer reviews, for /mydata. A review they got
    is theirs; who wrote it stays out, as the chat never said it."""
    classes = await session.scalars(
        select(Unit.name)
        .join(ClassMember, ClassMember.class_id == Unit.id)
        .where(ClassMember.learner_id == learner_id)
    )
    checkins = await session.scalars(
        select(SessionCheckin.at)
        .where(SessionCheckin.learner_id == learner_id)
        .order_by(SessionCheckin.at)
    )
    received = await session.execute(
        select(Submission.lesson_id, PeerReview.marks, PeerReview.comment, PeerReview.created_at)
        .join(Submission, Submission.id == PeerReview.submission_id)
        .where(Submission.learner_id == learner_id)
    )
    written = await session.execute(
        select(
            PeerReview.submission_id,
            PeerReview.marks,
            PeerReview.comment,
            PeerReview.created_at,
            PeerReview.verdict,
        ).where(PeerReview.mentor_id == learner_id)
    )
    return {
        "classes": list(classes),
        "session_checkins": list(checkins),
        "peer_reviews_received": [
            {"lesson_id": lesson, "marks": marks, "comment": comment, "created_at": at}
            for lesson, marks, comment, at in received
        ],
        "peer_reviews_written": [
            {
                "submission_id": sid,
                "marks": marks,
                "comment": comment,
                "created_at": at,
                "verdict": verdict,
            }
            for sid, marks, comment, at, verdict in written
        ],
    }
