"""The points ledger and the standings read from it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select

from bot.services.ports.records import GradeStatus, LearnerStatus
from bot.storage.models import GradeRecord, Learner, LedgerEntry, Submission, Unit
from bot.storage.repos.base import SqlPort
from scoring.points import PRACTICE, Award, LedgerKey
from scoring.standings import GroupStats


class SqlLedger(SqlPort):
    async def award(self, learner_id: int, award: Award, now: datetime) -> bool:
        key = award.key if isinstance(award.key, LedgerKey) else LedgerKey.parse(award.key)
        return await self._inserted(
            LedgerEntry,
            learner_id=learner_id,
            key=str(award.key),
            kind=key.kind if key else None,
            lesson_id=key.lesson_id if key else None,
            seq=key.seq if key else None,
            points=award.points,
            reason=award.reason,
            created_at=now,
        )

    async def points(self, learner_id: int) -> int:
        total = await self.s.scalar(
            select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                LedgerEntry.learner_id == learner_id
            )
        )
        return int(total or 0)

    async def practice_ledger(self, learner_id: int, lesson_id: str) -> tuple[int, int]:
        count, total = (
            await self.s.execute(
                select(func.count(), func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                    LedgerEntry.learner_id == learner_id,
                    LedgerEntry.kind == PRACTICE,
                    LedgerEntry.lesson_id == lesson_id,
                )
            )
        ).one()
        return int(count or 0), int(total or 0)

    async def practice_points_paid(self, learner_id: int, lesson_id: str) -> int:
        return (await self.practice_ledger(learner_id, lesson_id))[1]

    async def learner_points_in_unit(
        self, unit_id: int | None, since: datetime | None
    ) -> list[tuple[int, str, int]]:
        if unit_id is None:
            return []
        join_on = LedgerEntry.learner_id == Learner.id
        if since is not None:
            join_on = and_(join_on, LedgerEntry.created_at >= since)
        rows = await self.s.execute(
            select(
                Learner.id,
                Learner.display_name,
                Learner.nickname,
                Learner.show_name,
                func.coalesce(func.sum(LedgerEntry.points), 0),
            )
            .outerjoin(LedgerEntry, join_on)
            .where(Learner.unit_id == unit_id, Learner.status != LearnerStatus.ONBOARDING)
            .group_by(Learner.id, Learner.display_name, Learner.nickname, Learner.show_name)
        )
        return [(lid, (dn if show and dn else nick), int(pts)) for lid, dn, nick, show, pts in rows]

    async def group_stats(self, parent_id: int, since: datetime) -> list[GroupStats]:
        groups = list(await self.s.scalars(select(Unit).where(Unit.parent_id == parent_id)))
        if not groups:
            return []
        ids = [g.id for g in groups]
        members = dict(
            (
                await self.s.execute(
                    select(Learner.unit_id, func.count())
                    .where(Learner.unit_id.in_(ids), Learner.status != LearnerStatus.ONBOARDING)
                    .group_by(Learner.unit_id)
                )
            ).all()
        )
        # One index probe per member for a point since `since` (LIMIT 1 keeps the subquery
        # correlated, so the planner cannot turn it into a scan of the whole ledger): the cost
        # follows the commune's size, never the ledger's history.
        recent = (
            select(LedgerEntry.id)
            .where(LedgerEntry.learner_id == Learner.id, LedgerEntry.created_at >= since)
            .limit(1)
            .correlate(Learner)
            .scalar_subquery()
        )
        active = dict(
            (
                await self.s.execute(
                    select(Learner.unit_id, func.count())
                    .where(Learner.unit_id.in_(ids), recent.is_not(None))
                    .group_by(Learner.unit_id)
                )
            ).all()
        )
        # Each learner's best confirmed score per lesson graded this period: junk that was never
        # confirmed, and a learner's weaker attempts, do not pull the group's average.
        best = (
            select(Learner.unit_id.label("unit_id"), func.max(GradeRecord.score).label("best"))
            .join(Submission, Submission.learner_id == Learner.id)
            .join(GradeRecord, GradeRecord.submission_id == Submission.id)
            .where(
                Learner.unit_id.in_(ids),
                GradeRecord.created_at >= since,
                GradeRecord.status == GradeStatus.FINAL,
            )
            .group_by(Learner.unit_id, Learner.id, Submission.lesson_id)
        ).subquery()
        avg = dict(
            (
                await self.s.execute(
                    select(best.c.unit_id, func.avg(best.c.best)).group_by(best.c.unit_id)
                )
            ).all()
        )
        return [
            GroupStats(
                g.id,
                g.name,
                int(members.get(g.id, 0)),
                int(active.get(g.id, 0)),
                float(avg.get(g.id) or 0.0),
            )
            for g in groups
        ]
