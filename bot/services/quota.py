"""Monthly message quotas: a plan that allows N messages a month (the Zalo Bot Platform's free
plan allows 3,000) stops the daily push when they are spent, and keeps answering learners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.context import utc_now
from bot.services.ports import Store

log = logging.getLogger(__name__)


class MonthlyQuota:
    """Counts a channel's messages per calendar month in the database, shared by every process.

    A `PushBudget` (bot/services/policy.py): the outbound that spends it declares it in its
    `ChannelPolicy`."""

    def __init__(
        self,
        store: Store,
        channel: str,
        limit: int,
        timezone: str = "Asia/Ho_Chi_Minh",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store, self.channel, self.limit = store, channel, limit
        self.zone = ZoneInfo(timezone)
        self.clock = clock
        self._warned_for: str | None = None

    def month(self) -> str:
        # The platform's month is assumed to be Vietnam's calendar month (not documented).
        return self.clock().astimezone(self.zone).strftime("%Y-%m")

    async def spend(self, messages: int = 1) -> int:
        async with self.store.transaction() as repo:
            return await repo.tokens.add_usage(self.channel, self.month(), messages)

    async def used(self) -> int:
        async with self.store.transaction() as repo:
            return await repo.tokens.usage(self.channel, self.month())

    async def push_allowed(self) -> bool:
        """False once the month's messages are spent; 0 as the limit means no quota."""
        if self.limit <= 0:
            return True
        used = await self.used()
        if used < self.limit:
            return True
        month = self.month()
        if self._warned_for != month:
            self._warned_for = month
            log.warning(
                "%s: %d of %d messages used in %s; daily lessons are paused until next "
                "month (replies still go out)",
                self.channel,
                used,
                self.limit,
                month,
            )
        return False
