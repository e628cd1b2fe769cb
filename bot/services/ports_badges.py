"""What badges and streak freezes need from storage (bot/storage/badges.py implements it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class BadgeRecord:
    code: str
    earned_on: date


@dataclass(frozen=True)
class FreezeState:
    bought: int  # purchases ever: the next one is number `bought`
    held: int  # bought and not used yet
    used_on: tuple[date, ...] = ()  # the missed days they covered


class BadgeStore(Protocol):
    async def earned(self, learner_id: int) -> list[BadgeRecord]: ...
    async def grant(self, learner_id: int, code: str, day: date, now: datetime) -> bool: ...
    async def quiz_answers_since(
        self, learner_id: int, since: datetime
    ) -> list[tuple[datetime, bool]]: ...
    async def freezes(self, learner_id: int) -> FreezeState: ...
    async def add_freeze(self, learner_id: int, seq: int, now: datetime) -> bool: ...
    async def use_freeze(self, learner_id: int, day: date) -> bool: ...
    async def add_helpful_review(self, mentor_id: int, key: str, now: datetime) -> bool: ...
    async def helpful_reviews(self, mentor_id: int) -> int: ...
