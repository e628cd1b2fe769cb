"""One platform token's pace, shared by every process that sends through it.

The counting is pyrate-limiter's GCRA (the generic cell rate algorithm: one "theoretical arrival
time" per rate, checked and advanced atomically, by a Lua script on Redis or under the event
loop in memory). With REDIS_URL every worker counts in the same Redis key, so four workers on
one Telegram token stay within its 30 messages a second together; without Redis (the embedded
default, one process) the same code counts in memory. GCRA spaces sends evenly (one every
1/rate seconds, a small burst allowed only at high rates): a platform that counts a sliding
second on arrival sees a steady stream, not bursts at the edges of our window that network
jitter pushes over its limit. On top of the algorithm this module only adds the policy:

- lanes: a reply to a learner who just wrote goes ahead of the daily push. A waiting reply marks
  the token's "replies waiting" flag for a moment; while it is up, bulk sends must first pass a
  rate of their own `reply_reserve` a second lower than the token's, so those slots go to replies.
  With no reply waiting, bulk uses the whole budget. Each lane also has its own queue in each
  process, so a reply never queues behind the push's waiting sends;
- per chat: at most one message per `chat_interval` to one chat, and `group_per_minute` to a
  group chat (a Telegram chat id starting with '-'), from the time the last one went. One chat's
  messages come from one process at a time (the learner's turn, or their lesson), so this is
  kept in the process that sends them.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from inspect import isawaitable
from typing import TYPE_CHECKING, Literal

from pyrate_limiter import GCRA, InMemoryStateStore, Rate, RedisStateStore
from pyrate_limiter.abstracts.algorithm import Decision

if TYPE_CHECKING:
    from redis.asyncio import Redis

Lane = Literal["reply", "bulk"]

# A platform counts its own window on arrival; two sends taken a slot apart may arrive a few
# milliseconds closer. Stay this far under the limit.
SAFETY = 0.95
DEMAND_SECONDS = 2.0  # a reply "waits" for this long after it asked, as far as bulk is concerned
DEMAND_CACHE = 0.1  # seconds a process trusts its last look at the replies-waiting flag
_ALGORITHM = GCRA()


@dataclass(frozen=True)
class PaceLimits:
    per_second: float = 30.0  # the token's messages a second (the platform's figure)
    chat_interval: float = 1.0  # seconds between two messages to one chat; 0: no spacing
    group_per_minute: int | None = None  # messages a minute to a group chat
    reply_reserve: int = 0  # slots a second bulk leaves free while replies wait

    @property
    def window(self) -> int:
        """Messages we allow ourselves in one second."""
        return max(1, math.floor(self.per_second * SAFETY))

    @property
    def burst(self) -> int:
        """Sends that may go at once: one (perfectly even) at Telegram's 30 a second; more at
        paid-broadcast rates, where a millisecond clock could not space them finer."""
        return max(1, self.window // 50)


def is_group_chat(chat_id: str) -> bool:
    """Telegram's group and channel chat ids are negative."""
    return chat_id.startswith("-")


class TokenPace:
    """The pace of one token. `redis`: shared by every process; None: counted in this one."""

    _CHAT_MEMORY = 100_000  # chats remembered, oldest dropped first

    def __init__(self, key: str, limits: PaceLimits, redis: Redis | None = None) -> None:
        self.key = key
        self.limits = limits
        self._redis = redis
        burst = limits.burst
        self._total = [Rate(limits.window, 1000, burst=burst)]
        # While replies wait, bulk first passes a lower rate of its own, then the token's.
        lower = max(1, limits.window - limits.reply_reserve)
        self._bulk_cap = [Rate(lower, 1000, burst=min(burst, lower))]
        self._token_store = self._new_store(f"hocai:pace:{key}")
        self._bulk_store = self._new_store(f"hocai:pace:{key}:bulk")
        self._demand_key = f"hocai:pace:{key}:replies"
        self._demand_until = 0.0  # memory mode: replies wait until then
        self._demand_seen = (0.0, False)  # shared mode: when we last looked, and what we saw
        self._lanes: dict[Lane, asyncio.Lock] = {"reply": asyncio.Lock(), "bulk": asyncio.Lock()}
        self._chat_last: OrderedDict[str, float] = OrderedDict()
        self._group_sends: dict[str, list[float]] = {}
        self.waited = {"reply": 0.0, "bulk": 0.0}  # seconds spent waiting for the token, per lane

    def _new_store(self, key: str) -> RedisStateStore | InMemoryStateStore:
        return RedisStateStore(self._redis, key) if self._redis is not None \
            else InMemoryStateStore()

    @property
    def shared(self) -> bool:
        return self._redis is not None

    # ---- the token ----------------------------------------------------------------------

    async def acquire(self, chat_id: str, lane: Lane = "reply") -> None:
        """Wait until a message may go to `chat_id` now; the token's slot is taken on return.
        Call `sent(chat_id)` once the message has gone."""
        await self._chat_room(chat_id)
        started = time.monotonic()
        async with self._lanes[lane]:
            if lane == "reply":
                if self.limits.reply_reserve:
                    await self._mark_replies_waiting()
                while not await self._try(self._token_store, self._total):
                    pass
            else:
                while True:
                    if (self.limits.reply_reserve and not await self._replies_quiet()
                            and not await self._try(self._bulk_store, self._bulk_cap)):
                        continue  # replies wait: bulk keeps to its lower rate
                    if await self._try(self._token_store, self._total):
                        break
        self.waited[lane] += time.monotonic() - started

    @staticmethod
    async def _try(store: RedisStateStore | InMemoryStateStore, rates: list[Rate]) -> bool:
        """Take a slot, or sleep until one could be free."""
        # pyrate-limiter's store.check has no annotations (its other methods do).
        decision = store.check(  # type: ignore[no-untyped-call]
            _ALGORITHM, rates, int(time.time() * 1000), 1)
        if isawaitable(decision):  # Redis answers later; memory at once
            decision = await decision
        assert isinstance(decision, Decision)
        if decision.allowed:
            return True
        wait_ms = decision.retry_after_ms or 1
        await asyncio.sleep(wait_ms / 1000)
        return False

    async def _mark_replies_waiting(self) -> None:
        if self._redis is None:
            self._demand_until = time.monotonic() + DEMAND_SECONDS
            return
        await self._redis.set(self._demand_key, b"1", px=int(DEMAND_SECONDS * 1000))
        self._demand_seen = (time.monotonic(), True)

    async def _replies_quiet(self) -> bool:
        if self._redis is None:
            return time.monotonic() >= self._demand_until
        looked, waiting = self._demand_seen
        if time.monotonic() - looked > DEMAND_CACHE:
            waiting = bool(await self._redis.exists(self._demand_key))
            self._demand_seen = (time.monotonic(), waiting)
        return not waiting

    # ---- one chat -----------------------------------------------------------------------

    async def _chat_room(self, chat_id: str) -> None:
        last = self._chat_last.get(chat_id)
        if last is not None and self.limits.chat_interval:
            delay = last + self.limits.chat_interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        per_minute = self.limits.group_per_minute
        if per_minute and is_group_chat(chat_id):
            sends = self._group_sends.get(chat_id, [])
            if len(sends) >= per_minute:
                await asyncio.sleep(max(0.0, sends[-per_minute] + 60 - time.monotonic()))

    async def sent(self, chat_id: str) -> None:
        """Note a message that went to `chat_id` (after the platform took it)."""
        now = time.monotonic()
        self._chat_last[chat_id] = now
        self._chat_last.move_to_end(chat_id)
        if len(self._chat_last) > self._CHAT_MEMORY:
            self._chat_last.popitem(last=False)
        per_minute = self.limits.group_per_minute
        if per_minute and is_group_chat(chat_id):
            recent = [t for t in self._group_sends.get(chat_id, []) if t > now - 60]
            self._group_sends[chat_id] = [*recent, now][-per_minute:]
