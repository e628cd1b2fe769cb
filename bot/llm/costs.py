"""Cost hooks: a daily token budget and a grade cache, as ports with in-memory implementations.

The application provides database-backed ones; these serve tests, the CLI and a single process.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Protocol

from lessons.textnorm import fold
from scoring.grading import Grade


class TokenBudget(Protocol):
    """How many model tokens may still be spent today."""

    async def can_spend(self, estimate: int) -> bool: ...

    async def record(self, tokens: int) -> None: ...


class GradeCache(Protocol):
    """Grades already paid for, by submission key."""

    async def get(self, key: str) -> Grade | None: ...

    async def put(self, key: str, grade: Grade) -> None: ...


def cache_key(lesson_id: str, text: str, photo: bytes | None = None) -> str:
    """The same lesson, the same words (accents, case and spacing aside) and the same photo."""
    digest = hashlib.sha256()
    digest.update(lesson_id.encode("utf-8") + b"\0" + fold(text).encode("utf-8"))
    if photo:
        digest.update(b"\0" + hashlib.sha256(photo).digest())
    return digest.hexdigest()


def _utc_now() -> datetime:
    return datetime.now(UTC)


class InMemoryTokenBudget:
    """A daily allowance that resets at midnight of the clock's time zone."""

    def __init__(self, daily_limit: int, clock: Callable[[], datetime] = _utc_now) -> None:
        self.daily_limit = daily_limit
        self._clock = clock
        self._day: date | None = None
        self._spent = 0
        self._lock = asyncio.Lock()

    def _roll(self) -> None:
        today = self._clock().date()
        if today != self._day:
            self._day, self._spent = today, 0

    @property
    def spent(self) -> int:
        self._roll()
        return self._spent

    async def can_spend(self, estimate: int) -> bool:
        async with self._lock:
            self._roll()
            return self._spent + estimate <= self.daily_limit

    async def record(self, tokens: int) -> None:
        async with self._lock:
            self._roll()
            self._spent += max(0, tokens)


class UnlimitedBudget:
    """No limit: for evaluation runs where the caller watches the cost."""

    async def can_spend(self, estimate: int) -> bool:
        return True

    async def record(self, tokens: int) -> None:
        return None


class InMemoryGradeCache:
    """The most recent grades, least recently used first out."""

    def __init__(self, max_items: int = 10_000) -> None:
        self.max_items = max_items
        self._items: OrderedDict[str, Grade] = OrderedDict()

    async def get(self, key: str) -> Grade | None:
        grade = self._items.get(key)
        if grade is not None:
            self._items.move_to_end(key)
        return grade

    async def put(self, key: str, grade: Grade) -> None:
        self._items[key] = grade
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
