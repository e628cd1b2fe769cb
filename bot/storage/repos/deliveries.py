"""Daily push planning and delivery rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, func, literal, select, update
from sqlalchemy.dialects import postgresql

from bot.services.ports.records import DeliveryStatus, LearnerStatus
from bot.storage.models import Delivery, Identity, Learner, UTCDateTime
from bot.storage.repos.base import SqlPort


class SqlDeliveries(SqlPort):
    async def unset_due_slots(self) -> list[tuple[str, str]]:
        """(zone, lesson time) pairs of active learners whose next due time is not set."""
        rows = await self.s.execute(
            select(Learner.timezone, Learner.lesson_time)
            .distinct()
            .where(
                Learner.next_due_at.is_(None),
                Learner.status == LearnerStatus.ACTIVE,
                Learner.lesson_time.is_not(None),
            )
        )
        return [(tz, t) for tz, t in rows if t is not None]  # the query's filter, for the type

    async def set_unset_due(self, zone: str, lesson_time: str, due_at: datetime) -> int:
        return await self._changed(
            update(Learner)
            .where(
                Learner.next_due_at.is_(None),
                Learner.status == LearnerStatus.ACTIVE,
                Learner.timezone == zone,
                Learner.lesson_time == lesson_time,
            )
            .values(next_due_at=due_at)
        )

    async def due_slots(self, now: datetime) -> list[tuple[str, str]]:
        """(zone, lesson time) pairs with a learner due by `now` (a range on the due index)."""
        rows = await self.s.execute(
            select(Learner.timezone, Learner.lesson_time)
            .distinct()
            .where(Learner.next_due_at <= now)
        )
        return [(tz, t) for tz, t in rows if t is not None]  # the query's filter, for the type

    async def plan_due(
        self,
        zone: str,
        lesson_time: str,
        now: datetime,
        day: date | None,
        due_at: datetime | None,
        next_due_at: datetime,
        limit: int,
    ) -> tuple[int, int]:
        """Move up to `limit` due learners of one slot on to `next_due_at` and, when `day` is
        given, give the reachable active ones a pending delivery row for it, in two statements.
        Returns (learners moved on, rows created). The lesson is chosen when the row is sent."""
        due = (
            select(Learner.id)
            .where(
                Learner.next_due_at <= now,
                Learner.timezone == zone,
                Learner.lesson_time == lesson_time,
            )
            .order_by(Learner.id)
            .limit(limit)
        )
        if self._dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)  # two planners take different learners
        move = (
            update(Learner)
            .where(Learner.id.in_(due.scalar_subquery()))
            .values(next_due_at=next_due_at)
            .returning(Learner.id)
            .execution_options(synchronize_session=False)
        )
        reachable = (
            select(Identity.id)
            .where(Identity.learner_id == Learner.id, Identity.reachable)
            .exists()
        )
        columns = ["learner_id", "day", "lesson_id", "due_at", "status", "parts_sent", "attempts"]

        def rows(moved: Any) -> Any:
            return select(
                Learner.id,
                literal(day, Date),
                literal(""),
                literal(due_at, UTCDateTime),
                literal(DeliveryStatus.PENDING.value),
                literal(0),
                literal(0),
            ).where(
                Learner.id.in_(moved),
                Learner.status == LearnerStatus.ACTIVE,
                Learner.lesson_time.is_not(None),
                reachable,
            )

        if self._dialect == "postgresql" and day is not None and due_at is not None:
            # One statement: the moved ids never travel to Python and back.
            moved_cte = move.cte("moved")
            made_cte = (
                postgresql.insert(Delivery)
                .from_select(columns, rows(select(moved_cte.c.id)))
                .on_conflict_do_nothing()
                .returning(Delivery.id)
                .cte("made")
            )
            counts = (
                await self.s.execute(
                    select(
                        select(func.count()).select_from(moved_cte).scalar_subquery(),
                        select(func.count()).select_from(made_cte).scalar_subquery(),
                    )
                )
            ).one()
            return int(counts[0]), int(counts[1])
        moved = list(await self.s.scalars(move))
        if not moved or day is None or due_at is None:
            return len(moved), 0
        stmt = self._insert(Delivery).from_select(columns, rows(moved)).on_conflict_do_nothing()
        return len(moved), await self._changed(stmt)
