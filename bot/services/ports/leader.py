"""What group leaders' tools need from storage: a unit's members in one read, their study days
and channels, opt-outs, announcements, linked group chats, and the outbox every nudge,
announcement and digest goes through. `bot/storage/repos/leader.py` implements it as
`repo.leader`.

Kept as one port (19 methods): the roster's set-based reads and the outbox that carries the
leader's nudges are one feature and share their queries' shapes; the next candidate for a split
is the outbox (its own port), once a second feature writes to it directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.services.ports.records import IdentityRecord, LearnerStatus


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until its lease ends; pending again if it dies
    SENT = "sent"
    SKIPPED = "skipped"  # no channel could carry it (the reason is kept, for "reach in person")
    FAILED = "failed"  # gave up after MAX_ATTEMPTS errors


@dataclass(frozen=True)
class Member:
    """A unit member as a leader sees them: a display name only, never contacts or birth year."""

    learner_id: int
    name: str  # the display name when shown, else the nickname
    status: LearnerStatus
    joined_at: datetime | None
    last_active_at: datetime | None
    lessons_done: int
    language: str = "vi"


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    kind: str
    learner_id: int | None
    channel: str | None
    chat_id: str | None
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Queued:
    """One message to queue: to a learner (on the channel they use) or to a group chat."""

    key: str
    kind: str
    payload: dict[str, Any]
    learner_id: int | None = None
    channel: str | None = None
    chat_id: str | None = None


class Leader(Protocol):
    # members and what a roster shows
    async def members(self, unit_id: int) -> list[Member]: ...
    async def study_days(self, learner_ids: list[int], since: date) -> dict[int, list[date]]: ...
    async def identities_for(self, learner_ids: list[int]) -> dict[int, list[IdentityRecord]]: ...
    async def week_points(self, learner_ids: list[int], since: datetime) -> dict[int, int]: ...

    # "đừng nhắc tôi"
    async def set_opt_out(self, learner_id: int, opted_out: bool, now: datetime) -> None: ...
    async def opted_out(self, learner_ids: list[int]) -> set[int]: ...

    # announcements
    async def add_announcement(
        self, unit_id: int, author_id: int | None, text: str, now: datetime
    ) -> int: ...
    async def set_recipients(self, announcement_id: int, recipients: int) -> None: ...
    async def announcements_since(self, unit_id: int, since: datetime) -> int: ...

    # linked group chats
    async def link_chat(
        self, unit_id: int, channel: str, chat_id: str, by: int | None, now: datetime
    ) -> None: ...
    async def chats_of(self, unit_id: int) -> list[tuple[str, str]]: ...
    async def chats_under(self, unit_id: int) -> list[tuple[str, str]]:
        """The group chats linked to the unit or any unit of its subtree (an audience)."""
        ...

    async def linked_units(self) -> list[int]:
        """Units with at least one linked group chat."""
        ...

    # the outbox
    async def enqueue(self, messages: list[Queued], now: datetime) -> int:
        """Queue what is not queued yet (by key); how many were new."""
        ...

    async def queued_keys(self, keys: list[str]) -> set[str]: ...
    async def claim(self, now: datetime, lease_until: datetime, limit: int) -> list[OutboxItem]: ...
    async def finish(
        self,
        item_id: int,
        status: OutboxStatus,
        channel: str | None,
        error: str | None,
        now: datetime,
    ) -> None: ...
    async def retry(self, item_id: int, available_at: datetime, error: str) -> None: ...
    async def release_stale(self, before: datetime) -> int: ...
    async def outbox_counts(self, key_prefix: str) -> dict[str, int]:
        """Rows whose key starts so, by status."""
        ...
