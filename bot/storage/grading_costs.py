"""Database-backed grade cache and token budget, shared by every worker process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.db import SqlStore
from bot.storage.models import GradeCacheEntry, LlmUsage
from scoring.grading import Grade


def _insert(store: SqlStore, model: type) -> postgresql.Insert | sqlite.Insert:
    return (
        postgresql.insert(model)
        if store.engine.dialect.name == "postgresql"
        else sqlite.insert(model)
    )


class SqlGradeCache:
    """Keeps the model's reply; the grader recombines it with fresh rules on a hit."""

    def __init__(self, store: SqlStore, clock: Callable[[], datetime]) -> None:
        self.store, self.clock = store, clock

    async def get(self, key: str) -> Grade | None:
        async with self.store.transaction() as repo:
            reply = await repo.s.scalar(
                select(GradeCacheEntry.model_reply).where(GradeCacheEntry.key == key)
            )
        return Grade(score=0, criteria=(), model_reply=reply, grader="cache") if reply else None

    async def put(self, key: str, grade: Grade) -> None:
        if not grade.model_reply:
            return
        async with self.store.transaction() as repo:
            await repo.s.execute(
                _insert(self.store, GradeCacheEntry)
                .values(
                    key=key,
                    model_reply=grade.model_reply,
                    created_at=self.clock(),
                )
                .on_conflict_do_nothing()
            )


class SqlTokenBudget:
    """A daily allowance of model tokens, counted per calendar day in the programme's zone."""

    def __init__(
        self, store: SqlStore, daily_limit: int, clock: Callable[[], datetime], timezone: str
    ) -> None:
        self.store, self.daily_limit, self.clock = store, daily_limit, clock
        self.zone = ZoneInfo(timezone)

    def _today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    async def spent_today(self) -> int:
        async with self.store.transaction() as repo:
            spent = await repo.s.scalar(
                select(LlmUsage.tokens).where(LlmUsage.day == self._today())
            )
        return int(spent or 0)

    async def can_spend(self, estimate: int) -> bool:
        return await self.spent_today() + estimate <= self.daily_limit

    async def record(self, tokens: int) -> None:
        day = self._today()
        async with self.store.transaction() as repo:
            await repo.s.execute(
                _insert(self.store, LlmUsage)
                .values(day=day, tokens=0, calls=0)
                .on_conflict_do_nothing()
            )
            await repo.s.execute(
                update(LlmUsage)
                .where(LlmUsage.day == day)
                .values(tokens=LlmUsage.tokens + tokens, calls=LlmUsage.calls + 1)
            )
