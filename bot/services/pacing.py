"""One platform token's pace, shared by every process that sends through it.

The counting is the `limits` library's moving window (a list of send times per key, taken and
checked atomically: a Lua script on Redis, a lock in memory). With REDIS_URL every worker counts
in the same Redis keys, so four workers on one Telegram token stay within its 30 messages a
second together; without Redis (the embedded default, one process) the same code counts in
memory. On top of the windows this module only adds the policy:

- lanes: a reply to a learner who just wrote goes ahead of the daily push. A waiting reply marks
  the token's "replies waiting" window; while it is marked, bulk sends take a slot only when
  `reply_reserve` slots of the second are still free, so the next free slot goes to the reply.
  With no reply waiting, bulk uses the whole budget. Each lane also has its own queue in each
  process, so a reply never queues behind the push's waiting sends;
- per chat: at most one message per `chat_interval` to one chat, and `group_per_minute` to a
  group chat (a Telegram chat id starting with '-'). Shared through Redis too, so a reply from
  the web process and a push from a worker do not land in one chat within the same second.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

Lane = Literal["reply", "bulk"]

# A platform counts its own window on arrival; requests taken at the edge of our window may
# arrive a few milliseconds apart from where we counted them. Stay this far under the limit.
SAFETY = 0.95
DEMAND_SECONDS = 2  # a reply "waits" for this long after it asked, as far as bulk is concerned
MIN_SLEEP = 0.002


@dataclass(frozen=True)
class PaceLimits:
    per_second: float = 30.0  # the token's messages a second (the platform's figure)
    chat_interval: float = 1.0  # seconds between two messages to one chat; 0: no spacing
    group_per_minute: int | None = None  # messages a minute to a group chat
    reply_reserve: int = 0  # slots a second bulk leaves free while replies wait

    @property
    def window(self) -> int:
        """Messages we allow ourselves in any one second."""
        return max(1, math.floor(self.per_second * SAFETY))


def is_group_chat(chat_id: str) -> bool:
    """Telegram's group and channel chat ids are negative."""
    return chat_id.startswith("-")


class TokenPace:
    """The pace of one token. `limiter` shared (Redis) or None: counted in this process."""

    _CHAT_MEMORY = 100_000  # chats remembered in memory mode, oldest dropped first

    def __init__(self, key: str, limits: PaceLimits,
                 limiter: MovingWindowRateLimiter | None = None) -> None:
        self.key = key
        self.limits = limits
        self._limiter = limiter
        self._shared = limiter is not None
        self._total = RateLimitItemPerSecond(limits.window, 1)
        self._demand = RateLimitItemPerSecond(1_000_000, DEMAND_SECONDS)
        interval = limits.chat_interval
        self._chat = RateLimitItemPerSecond(1, max(1, math.ceil(interval))) if interval else None
        self._group = (RateLimitItemPerMinute(limits.group_per_minute)
                       if limits.group_per_minute else None)
        self._lanes: dict[Lane, asyncio.Lock] = {"reply": asyncio.Lock(), "bulk": asyncio.Lock()}
        # Memory mode: the last send to each chat and a group's sends in the last minute.
        self._chat_last: OrderedDict[str, float] = OrderedDict()
        self._group_sends: dict[str, list[float]] = {}
        self.waited = {"reply": 0.0, "bulk": 0.0}  # seconds spent waiting for the token, per lane

    @property
    def shared(self) -> bool:
        return self._shared

    def _store(self) -> MovingWindowRateLimiter:
        if self._limiter is None:
            # Made on first use: the memory storage needs a running event loop.
            self._limiter = MovingWindowRateLimiter(MemoryStorage())
        return self._limiter

    # ---- the token ----------------------------------------------------------------------

    async def acquire(self, chat_id: str, lane: Lane = "reply") -> None:
        """Wait until a message may go to `chat_id` now; the token's slot is taken on return.
        Call `sent(chat_id)` once the message has gone."""
        await self._chat_room(chat_id)
        started = time.monotonic()
        async with self._lanes[lane]:
            limiter = self._store()
            if lane == "reply":
                if self.limits.reply_reserve:
                    await limiter.hit(self._demand, self.key, "demand")
                await self._take(limiter)
            else:
                await self._take_bulk(limiter)
        self.waited[lane] += time.monotonic() - started

    async def _take(self, limiter: MovingWindowRateLimiter) -> None:
        while not await limiter.hit(self._total, self.key):
            await self._until_free(limiter, self._total, self.key)

    async def _take_bulk(self, limiter: MovingWindowRateLimiter) -> None:
        reserve = self.limits.reply_reserve
        while True:
            if reserve and not await self._replies_quiet(limiter) and not await limiter.test(
                    self._total, self.key, cost=reserve + 1):
                # A reply waits and fewer than reserve + 1 slots are free: they are its.
                await self._until_free(limiter, self._total, self.key)
                continue
            if await limiter.hit(self._total, self.key):
                return
            await self._until_free(limiter, self._total, self.key)

    async def _replies_quiet(self, limiter: MovingWindowRateLimiter) -> bool:
        stats = await limiter.get_window_stats(self._demand, self.key, "demand")
        return stats.remaining >= self._demand.amount

    @staticmethod
    async def _until_free(limiter: MovingWindowRateLimiter, item: RateLimitItem,
                          *keys: str) -> None:
        """Sleep until the oldest send in the window leaves it (a slot frees)."""
        stats = await limiter.get_window_stats(item, *keys)
        await asyncio.sleep(max(MIN_SLEEP, stats.reset_time - time.time()))

    # ---- one chat -----------------------------------------------------------------------

    async def _chat_room(self, chat_id: str) -> None:
        if self._shared:
            limiter = self._store()
            for item in (self._chat, self._group if is_group_chat(chat_id) else None):
                if item is None:
                    continue
                while not await limiter.test(item, self.key, "chat", chat_id):
                    await self._until_free(limiter, item, self.key, "chat", chat_id)
            return
        last = self._chat_last.get(chat_id)
        if last is not None and self.limits.chat_interval:
            delay = last + self.limits.chat_interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        if self._group is not None and is_group_chat(chat_id):
            sends = self._group_sends.get(chat_id, [])
            if len(sends) >= self._group.amount:
                await asyncio.sleep(max(0.0, sends[-self._group.amount] + 60 - time.monotonic()))

    async def sent(self, chat_id: str) -> None:
        """Count a message that went to `chat_id` (after the platform took it)."""
        if self._shared:
            limiter = self._store()
            if self._chat is not None:
                await limiter.hit(self._chat, self.key, "chat", chat_id)
            if self._group is not None and is_group_chat(chat_id):
                await limiter.hit(self._group, self.key, "chat", chat_id)
            return
        now = time.monotonic()
        self._chat_last[chat_id] = now
        self._chat_last.move_to_end(chat_id)
        if len(self._chat_last) > self._CHAT_MEMORY:
            self._chat_last.popitem(last=False)
        if self._group is not None and is_group_chat(chat_id):
            recent = [t for t in self._group_sends.get(chat_id, []) if t > now - 60]
            self._group_sends[chat_id] = [*recent, now][-self._group.amount:]


def shared_limiter(storage: Storage) -> MovingWindowRateLimiter:
    """The limiter every process builds on the same storage (Redis) to share its counts."""
    return MovingWindowRateLimiter(storage)
