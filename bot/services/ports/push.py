"""What the daily push reads and writes for a batch of deliveries (`repo.push`): a statement per
kind of row for the whole batch, never one per learner.

At 07:00 a province's workers are bound by the database work per learner (bench/
delivery_statements_bench.py counts it), so a claimed batch is read in a handful of statements
and the parts sent by many deliveries are recorded in one. A learner's own turn plans today's
lesson through the same reads, as a batch of one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.services.conversation import StatePatch
from bot.services.ports.passing import ReviewRecord
from bot.services.ports.records import IdentityRecord, LearnerRecord
from lessons.plan import Assignment


@dataclass(frozen=True)
class LessonWork:
    """What a learner did in one lesson: quiz questions answered (right or not), graded work."""

    answered: dict[int, bool]
    submitted: bool


@dataclass(frozen=True)
class DeliveryMark:
    """A part of a delivery recorded as sent by its lease's holder; with `channel`, the last
    part: the delivery is then finished as sent through that channel."""

    delivery_id: int
    holder: str
    parts_sent: int
    channel: str | None = None


class Push(Protocol):
    async def learners(self, ids: Collection[int]) -> dict[int, LearnerRecord]: ...
    async def identities(self, learner_ids: Collection[int]) -> dict[int, list[IdentityRecord]]:
        """Each learner's identities (learners with none are absent)."""
        ...

    async def assignments(self, learner_ids: Collection[int]) -> dict[int, list[Assignment]]:
        """Each learner's lessons assigned, the current one first (newest day, then newest row)."""
        ...

    async def reviews_on(
        self, keys: Collection[tuple[int, date]]
    ) -> dict[tuple[int, date], ReviewRecord]:
        """The review opened for (learner, day), where there is one."""
        ...

    async def lesson_work(
        self, keys: Collection[tuple[int, str]]
    ) -> dict[tuple[int, str], LessonWork]:
        """Quiz answers and graded work per (learner, lesson); every key is answered."""
        ...

    async def assign(self, rows: Collection[tuple[int, str, int, date]]) -> None:
        """Assign (learner, lesson, level, day) rows; one already there is kept as it is."""
        ...

    async def set_lessons(self, lessons: Mapping[int, str]) -> None:
        """Record the lesson chosen for each delivery (by delivery id)."""
        ...

    async def mark(
        self, marks: Collection[DeliveryMark], now: datetime, until: datetime
    ) -> set[int]:
        """Record parts sent and renew the lease to `until` (the last part finishes the delivery
        as sent), each fenced by its holder; returns the ids whose holder still held them."""
        ...

    async def delivered(
        self, identity_ids: Collection[int], at: datetime, patch: StatePatch | None
    ) -> None:
        """`conversations.delivered` for many identities that get the same patch."""
        ...
