"""The port for units' own bots: their stored credentials, and which bot an identity uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class BotRecord:
    """One unit's bot as stored. `token` and `webhook_secret` are in their stored (possibly
    sealed) form; they never appear in the record's repr, so logging a record leaks nothing."""

    id: int
    unit_id: int
    channel: str  # "telegram" | "zalo_oa"
    name: str
    token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    created_at: datetime | None = None
    disabled_at: datetime | None = None
    unit_code: str = ""

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


class Cipher(Protocol):
    """Seals a secret for the database and opens it again (an adapter holds the key)."""

    def seal(self, secret: str) -> str: ...
    def open(self, stored: str) -> str: ...


class Bots(Protocol):
    """Reached as `repo.bots` inside a transaction."""

    async def add(
        self,
        unit_id: int,
        channel: str,
        name: str,
        token: str,
        token_hash: str,
        webhook_secret: str,
        now: datetime,
    ) -> BotRecord: ...
    async def by_token_hash(self, token_hash: str) -> BotRecord | None: ...
    async def enable(self, bot_id: int, name: str) -> None: ...
    async def get(self, bot_id: int) -> BotRecord | None: ...
    async def all(self, include_disabled: bool = False) -> list[BotRecord]: ...
    async def disable(self, bot_id: int, now: datetime) -> bool: ...
    async def attach(self, identity_id: int, bot_id: int | None) -> None: ...
    async def learners_of(self, bot_id: int) -> int: ...
