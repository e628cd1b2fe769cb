"""Badges, streak freezes and helpful mentor reviews on SQLAlchemy (the `Badges` port)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.services.ports.badges import BadgeRecord, FreezeRecord, FreezeState
from bot.storage.models import BadgeAward, HelpfulReview, QuizAnswer, StreakFreeze
from bot.storage.repos.base import SqlPort


class SqlBadges(SqlPort):
    async def earned(self, learner_id: int) -> list[BadgeRecord]:
        rows = await self.s.execute(
            select(BadgeAward.code, BadgeAward.earned_on)
            .where(BadgeAward.learner_id == learner_id)
            .order_by(BadgeAward.id)
        )
        return [BadgeRecord(code, day) for code, day in rows]

    async def grant(self, learner_id: int, code: str, day: date, now: datetime) -> bool:
        """True only for the call that stored it: the one that announces it."""
        return await self._inserted(
            BadgeAward, learner_id=learner_id, code=code, earned_on=day, created_at=now
        )

    async def quiz_answers_since(
        self, learner_id: int, since: datetime
    ) -> list[tuple[datetime, bool]]:
        rows = await self.s.execute(
            select(QuizAnswer.answered_at, QuizAnswer.correct).where(
                QuizAnswer.learner_id == learner_id, QuizAnswer.answered_at >= since
            )
        )
        return [(at, bool(right)) for at, right in rows]

    async def freezes(self, learner_id: int) -> FreezeState:
        rows = list(
            await self.s.execute(
                select(StreakFreeze.seq, StreakFreeze.used_on).where(
                    StreakFreeze.learner_id == learner_id
                )
            )
        )
        used = tuple(sorted(day for _, day in rows if day is not None))
        return FreezeState(bought=len(rows), held=len(rows) - len(used), used_on=used)

    async def frozen_days(self, learner_ids: list[int], since: date) -> dict[int, list[date]]:
        out: dict[int, list[date]] = {i: [] for i in learner_ids}
        if learner_ids:
            rows = await self.s.execute(
                select(StreakFreeze.learner_id, StreakFreeze.used_on)
                .where(StreakFreeze.learner_id.in_(learner_ids), StreakFreeze.used_on >= since)
                .order_by(StreakFreeze.used_on)
            )
            for learner_id, day in rows:
                if day is not None:  # `>= since` leaves out the unused ones; for the checker
                    out[learner_id].append(day)
        return out

    async def purchases(self, learner_id: int) -> list[FreezeRecord]:
        rows = await self.s.execute(
            select(StreakFreeze.seq, StreakFreeze.bought_at, StreakFreeze.used_on)
            .where(StreakFreeze.learner_id == learner_id)
            .order_by(StreakFreeze.seq)
        )
        return [FreezeRecord(seq, at, used) for seq, at, used in rows]

    async def add_freeze(self, learner_id: int, seq: int, now: datetime) -> bool:
        return await self._inserted(StreakFreeze, learner_id=learner_id, seq=seq, bought_at=now)

    async def use_freeze(self, learner_id: int, day: date) -> bool:
        """Spend the oldest unused freeze on `day`; False when none is left or the day is
        covered already (a racing process spent one on it: the unique pair refuses a second)."""
        oldest = (
            select(func.min(StreakFreeze.id))
            .where(StreakFreeze.learner_id == learner_id, StreakFreeze.used_on.is_(None))
            .scalar_subquery()
        )
        try:
            async with self.s.begin_nested():
                used = await self._changed(
                    update(StreakFreeze)
                    .where(StreakFreeze.id == oldest, StreakFreeze.used_on.is_(None))
                    .values(used_on=day)
                )
        except IntegrityError:
            return False
        return bool(used)

    async def add_helpful_review(self, mentor_id: int, key: str, now: datetime) -> bool:
        return await self._inserted(HelpfulReview, mentor_id=mentor_id, key=key, created_at=now)

    async def helpful_reviews(self, mentor_id: int) -> int:
        return int(
            await self.s.scalar(
                select(func.count())
                .select_from(HelpfulReview)
                .where(HelpfulReview.mentor_id == mentor_id)
            )
            or 0
        )
