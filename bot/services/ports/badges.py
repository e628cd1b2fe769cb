"""What badges and streak freezes need from storage (`repo.badges`;
bot/storage/repos/badges.py implements it)."""

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


@dataclass(frozen=True)
class FreezeRecord:
    """One purchase, as /mydata exports it."""

    seq: int
    bought_at: datetime
    used_on: date | None = None


class Badges(Protocol):
    """Badges, streak freezes and helpful mentor reviews, inside the caller's transaction."""

    async def earned(self, learner_id: int) -> list[BadgeRecord]: ...
    async def grant(self, learner_id: int, code: str, day: date, now: datetime) -> bool:
        """True only for the call that stored it: the one that announces it."""
        ...

    async def quiz_answers_since(
        self, learner_id: int, since: datetime
    ) -> list[tuple[datetime, bool]]: ...
    async def freezes(self, learner_id: int) -> FreezeState: ...
    async def frozen_days(self, learner_ids: list[int], since: date) -> dict[int, list[date]]:
        """The days freezes covered since `since`, per learner (every id present): one read for
        a leader's roster."""
        ...

    async def purchases(self, learner_id: int) -> list[FreezeRecord]: ...
    async def add_freeze(self, learner_id: int, seq: int, now: datetime) -> bool: ...
    async def use_freeze(self, learner_id: int, day: date) -> bool: ...
    async def add_helpful_review(self, mentor_id: int, key: str, now: datetime) -> bool: ...
    async def helpful_reviews(self, mentor_id: int) -> int: ...
