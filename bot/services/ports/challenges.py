"""Challenges, their entries (work stored as submissions under "ch~<id>"), and the outbox that
announces them and their results. `bot/storage/repos/challenges.py` implements it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class SendKind(StrEnum):
    ANNOUNCE = "announce"
    RESULTS = "results"


class SendStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; back to pending if its process died
    SENT = "sent"
    SKIPPED = "skipped"  # opted out, outside the platform's window, quota spent, unreachable
    FAILED = "failed"


@dataclass(frozen=True)
class ChallengeRecord:
    id: int
    unit_id: int
    created_by: int | None
    text: str
    lesson_id: str | None
    criteria: tuple[str, ...]
    points: int
    deadline: datetime
    created_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True)
class EntryRecord:
    """A learner's standing in a challenge: the best confirmed score and the best held one."""

    learner_id: int
    name: str
    best_confirmed: int | None
    best_any: int
    first_at: datetime  # the first work sent, which breaks ties


@dataclass(frozen=True)
class SendRecord:
    id: int
    challenge_id: int
    learner_id: int
    kind: SendKind
    attempts: int


class Challenges(Protocol):
    async def add_challenge(
        self,
        unit_id: int,
        created_by: int,
        text: str,
        lesson_id: str | None,
        criteria: tuple[str, ...],
        points: int,
        deadline: datetime,
        now: datetime,
    ) -> ChallengeRecord: ...
    async def challenge(self, challenge_id: int) -> ChallengeRecord | None: ...
    async def challenges_in(self, unit_ids: Collection[int], limit: int) -> list[ChallengeRecord]:
        """Challenges for these units, the newest first."""
        ...

    async def due(self, now: datetime, limit: int) -> list[ChallengeRecord]:
        """Open challenges whose deadline has passed."""
        ...

    async def close(self, challenge_id: int, now: datetime) -> bool:
        """Compare-and-set: of two processes closing one challenge, one wins."""
        ...

    async def entries(self, challenge_id: int) -> list[EntryRecord]: ...

    # the outbox
    async def enqueue(
        self,
        challenge_id: int,
        learner_ids: Collection[int],
        kind: SendKind,
        now: datetime,
    ) -> int: ...
    async def claim_sends(self, now: datetime, limit: int) -> list[SendRecord]:
        """Pending rows, marked sending; another process never claims the same row."""
        ...

    async def finish_send(
        self,
        send_id: int,
        status: SendStatus,
        detail: str | None,
        now: datetime,
    ) -> None: ...
    async def release_stale_sends(self, before: datetime) -> int:
        """Rows a dead process left 'sending' since before `before` go back to pending."""
        ...

    async def send_counts(self, challenge_id: int, kind: SendKind) -> dict[str, int]: ...
    async def recipients(self, challenge_id: int, kind: SendKind) -> list[int]: ...


TASK_PREFIX = "ch~"  # a challenge's work is stored under this lesson id: "ch~12"


def task_id(challenge_id: int) -> str:
    return f"{TASK_PREFIX}{challenge_id}"


def challenge_of(task: str) -> int | None:
    """12 for "ch~12"; None for any other lesson id."""
    rest = task[len(TASK_PREFIX) :] if task.startswith(TASK_PREFIX) else ""
    return int(rest) if rest.isdigit() and len(rest) < 10 else None
