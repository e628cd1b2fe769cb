"""One platform token's pace, and each chat's, shared by every process that sends through it.

The pace is GCRA (the generic cell rate algorithm: one "theoretical arrival time" per token) used
as a schedule: a sender asks once and is told when its message may go, and that moment is its
own; nobody polls a limiter and nobody loses a slot by waking a little late (on a busy machine
timers fire late, and a "check, sleep, check again" limiter wastes every late millisecond). With
REDIS_URL the schedule lives in Redis and one Lua script reads and advances it (one round trip a
message, every worker on the same keys: four workers on one Telegram token keep its 30 a second
together); without Redis (the embedded default, one process) the same rules run in memory. Sends
are spaced evenly (one every 1/rate seconds, a small burst only at high rates): a platform that
counts a sliding second on arrival sees a steady stream. On top of the algorithm, the policy:

- lanes: a reply to a learner who just wrote goes ahead of the daily push. A reply marks the
  token's "replies waiting" flag for a moment; while it is up, bulk sends also keep to a rate of
  their own `reply_reserve` a second lower than the token's, so those slots go to replies. With
  no reply waiting, bulk uses the whole budget. Each process also queues each lane apart and holds
  at most one reservation per lane and token, so a reply is never scheduled behind the push's
  queue, only behind the few slots already promised;
- per chat: at most one message per `chat_interval` to one chat, and `group_per_minute` to a
  group chat (a Telegram chat id starting with '-'). Kept with the token's schedule (in Redis
  with it, so a reply from the web process and a lesson from a worker to one chat are spaced
  too), checked before the token's slot is taken: a chat that must wait takes nothing from the
  token. `chat_ready` waits for a chat without taking anything, so a caller can wait for it
  before taking a slot of its own (a delivery's in-flight slot);
- a pause: a 429 stops the whole token for its `retry_after` (Telegram counts per bot, not per
  process). `pause` notes it with the schedule, so every process's next slot comes after it,
  and each process learns of it with its next reservation and holds its own sends meanwhile.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

Lane = Literal["reply", "bulk"]

# A platform counts its own window on arrival; two sends taken a slot apart may arrive a few
# milliseconds closer. Stay this far under the limit.
SAFETY = 0.95
DEMAND_SECONDS = 2.0  # a reply "waits" for this long after it asked, as far as bulk is concerned
# A sender that woke this much later than its slot notes the chat's time again, so the next
# message to that chat still keeps `chat_interval` from this one.
LATE = 0.02
MAX_GIVE_UPS = 3  # slots one message gives up for waking too late before it goes anyway
_CHATS_REMEMBERED = 100_000  # per token and process, oldest dropped first


@dataclass(frozen=True)
class PaceLimits:
    per_second: float = 30.0  # the token's messages a second (the platform's figure)
    chat_interval: float = 1.0  # seconds between two messages to one chat; 0: no spacing
    group_per_minute: int | None = None  # messages a minute to a group chat
    reply_reserve: int = 0  # slots a second bulk leaves free while replies wait
    group_window: float = 60.0  # the seconds `group_per_minute` counts (a minute)

    @property
    def window(self) -> int:
        """Messages we allow ourselves in one second."""
        return max(1, math.floor(self.per_second * SAFETY))

    @property
    def burst(self) -> int:
        """Sends that may go at once: one (perfectly even) at Telegram's 30 a second; more at
        paid-broadcast rates, where a millisecond clock could not space them finer."""
        return max(1, self.window // 50)

    @property
    def bulk_window(self) -> int:
        """Bulk's own rate while replies wait."""
        return max(1, self.window - self.reply_reserve)

    def group_limit(self, chat_id: str) -> int:
        return (self.group_per_minute or 0) if is_group_chat(chat_id) else 0


def is_group_chat(chat_id: str) -> bool:
    """Telegram's group and channel chat ids are negative."""
    return chat_id.startswith("-")


@dataclass(frozen=True)
class Grant:
    """The schedule's answer: `chat_busy` (nothing taken; ask again after `wait`) or a slot
    `wait` seconds from now."""

    chat_busy: bool
    wait: float


# KEYS: token, bulk, replies flag, chat, group chat's recent sends, pause.
# ARGV: interval ms, tolerance ms, lane, bulk interval ms (0: no reserve), bulk tolerance ms,
# replies flag ms, chat interval ms, group limit (0: none), group window ms.
# Returns {busy (1: the chat must wait, nothing taken), microseconds to wait, pause left ms}.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval, tau = tonumber(ARGV[1]), tonumber(ARGV[2])
local bulk_interval, bulk_tau = tonumber(ARGV[4]), tonumber(ARGV[5])
local demand, chat = tonumber(ARGV[6]), tonumber(ARGV[7])
local group, group_window = tonumber(ARGV[8]), tonumber(ARGV[9])
local paused = math.max(0, redis.call('PTTL', KEYS[6]))
local busy = redis.call('PTTL', KEYS[4])
if busy > 0 then return {1, busy * 1000, paused} end
if group > 0 then
  local oldest = redis.call('LINDEX', KEYS[5], group - 1)
  if oldest and tonumber(oldest) + group_window > now then
    return {1, math.ceil((tonumber(oldest) + group_window - now) * 1000), paused}
  end
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now + paused, tat - tau)
if ARGV[3] == 'reply' then
  if demand > 0 then redis.call('SET', KEYS[3], '1', 'PX', demand) end
elseif bulk_interval > 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  local bulk_tat = tonumber(redis.call('GET', KEYS[2]) or '0')
  at = math.max(at, bulk_tat - bulk_tau)
  local bulk_next = math.max(bulk_tat, at) + bulk_interval
  redis.call('SET', KEYS[2], string.format('%.3f', bulk_next), 'PX',
             math.ceil(bulk_next - now) + 1000)
end
local nxt = math.max(tat, at) + interval
redis.call('SET', KEYS[1], string.format('%.3f', nxt), 'PX', math.ceil(nxt - now) + 1000)
if chat > 0 then redis.call('SET', KEYS[4], '1', 'PX', math.ceil(at - now + chat)) end
if group > 0 then
  redis.call('LPUSH', KEYS[5], string.format('%.3f', at))
  redis.call('LTRIM', KEYS[5], 0, group - 1)
  redis.call('PEXPIRE', KEYS[5], math.ceil(at - now + group_window) + 1000)
end
return {0, math.ceil((at - now) * 1000), paused}
"""

# KEYS: pause. ARGV: ms. A pause already longer stays as it is.
_PAUSE = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
"""


class _MemorySchedule:
    """The script's rules in this process's memory, in seconds of `time.monotonic()`."""

    def __init__(self) -> None:
        self.tat = 0.0
        self.bulk_tat = 0.0
        self.demand_until = 0.0
        self.paused_until = 0.0
        self.chat_free: OrderedDict[str, float] = OrderedDict()
        self.groups: dict[str, deque[float]] = {}

    def reserve(self, limits: PaceLimits, chat_id: str, lane: Lane) -> Grant:
        now = time.monotonic()
        free = self.chat_free.get(chat_id, 0.0)
        if free > now:
            return Grant(True, free - now)
        group = limits.group_limit(chat_id)
        sends = self.groups.get(chat_id)
        if (
            group
            and sends is not None
            and len(sends) >= group
            and sends[-group] + limits.group_window > now
        ):
            return Grant(True, sends[-group] + limits.group_window - now)
        interval = 1 / limits.window
        at = max(now, self.paused_until, self.tat - (limits.burst - 1) * interval)
        if lane == "reply":
            if limits.reply_reserve:
                self.demand_until = now + DEMAND_SECONDS
        elif limits.reply_reserve and now < self.demand_until:
            bulk_interval = 1 / limits.bulk_window
            bulk_burst = min(limits.burst, limits.bulk_window)
            at = max(at, self.bulk_tat - (bulk_burst - 1) * bulk_interval)
            self.bulk_tat = max(self.bulk_tat, at) + bulk_interval
        self.tat = max(self.tat, at) + interval
        if limits.chat_interval:
            note_chat(self.chat_free, chat_id, at + limits.chat_interval)
        if group:
            self.groups.setdefault(chat_id, deque(maxlen=group)).append(at)
            if len(self.groups) > _CHATS_REMEMBERED:
                self.groups.pop(next(iter(self.groups)))
        return Grant(False, at - now)


def note_chat(chats: OrderedDict[str, float], chat_id: str, free_at: float) -> None:
    chats[chat_id] = max(free_at, chats.get(chat_id, 0.0))
    chats.move_to_end(chat_id)
    if len(chats) > _CHATS_REMEMBERED:
        chats.popitem(last=False)


class TokenPace:
    """The pace of one token. `redis`: shared by every process; None: kept in this one."""

    def __init__(self, key: str, limits: PaceLimits, redis: Redis | None = None) -> None:
        self.key = key
        self.limits = limits
        self._redis = redis
        self._memory = _MemorySchedule()
        self._script: AsyncScript | None = None
        self._pause_script: AsyncScript | None = None
        # Until when the token is paused by a 429, as far as this process knows (monotonic).
        self.resume_at = 0.0
        # One hash tag: on a Redis cluster every key the script touches is on one node.
        self._prefix = f"hocai:pace:{{{key}}}"
        burst, interval = limits.burst, 1000 / limits.window
        bulk_burst, bulk_interval = min(burst, limits.bulk_window), 1000 / limits.bulk_window
        self._args: list[float | int | str] = [
            interval,
            (burst - 1) * interval,
            "",
            bulk_interval if limits.reply_reserve else 0,
            (bulk_burst - 1) * bulk_interval,
            int(DEMAND_SECONDS * 1000) if limits.reply_reserve else 0,
            int(limits.chat_interval * 1000),
            0,
            int(limits.group_window * 1000),
        ]
        self._lanes: dict[Lane, asyncio.Lock] = {"reply": asyncio.Lock(), "bulk": asyncio.Lock()}
        # Shared mode: when this process last sent to a chat (a hint that saves a round trip;
        # the script decides). Memory mode: the schedule's own record.
        self._chats = self._memory.chat_free
        self.waited = {"reply": 0.0, "bulk": 0.0}  # seconds spent waiting for the token, per lane
        # How late past its slot a send may still go: a slot and a half (the platform's own
        # count has room for that much under our SAFETY margin).
        self._late_limit = (limits.burst + 0.5) / limits.window
        self.given_up = 0  # slots given up because this process woke too late for them

    @property
    def shared(self) -> bool:
        return self._redis is not None

    async def chat_ready(self, chat_id: str) -> None:
        """Wait until `chat_id` may get a message, as far as this process knows; takes nothing.
        (Another process's message to the chat, rare, is caught by `acquire`.)"""
        while (delay := self._chats.get(chat_id, 0.0) - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)

    async def acquire(self, chat_id: str, lane: Lane = "reply") -> None:
        """Wait until a message may go to `chat_id`; the slot is taken on return: send now."""
        started, given_up = time.monotonic(), 0
        while True:
            await self.chat_ready(chat_id)
            async with self._lanes[lane]:
                grant = await self._reserve(chat_id, lane)
                slot = time.monotonic() + grant.wait
                if not grant.chat_busy:
                    if grant.wait > 0:  # held meanwhile: one promised slot per lane at a time
                        await asyncio.sleep(grant.wait)
                    if time.monotonic() - slot <= self._late_limit or given_up == MAX_GIVE_UPS:
                        break
                    # Woke far past the slot (a starved process): sent now, this message would
                    # arrive together with the next slots' and the platform would count a
                    # burst. The slot is given up and a new one asked for (a few times at most,
                    # so that a process starved for long still sends).
                    given_up += 1
                    self.given_up += 1
                    await self._give_back_chat(chat_id)
                    continue
            await asyncio.sleep(grant.wait)  # another process wrote to the chat: nothing taken
        if self.limits.chat_interval:
            await self._note_sent(chat_id, late=time.monotonic() - slot)
        self.waited[lane] += time.monotonic() - started

    async def pause(self, seconds: float) -> None:
        """The platform answered 429: nothing goes through the token for `seconds`, from any
        process (the others learn of it with their next reservation)."""
        self.resume_at = max(self.resume_at, time.monotonic() + seconds)
        if self._redis is None:
            self._memory.paused_until = max(self._memory.paused_until, self.resume_at)
            return
        if self._pause_script is None:
            self._pause_script = self._redis.register_script(_PAUSE)
        await self._pause_script(keys=[f"{self._prefix}:pause"], args=[math.ceil(seconds * 1000)])

    async def _give_back_chat(self, chat_id: str) -> None:
        """Nothing went to the chat in a slot given up: it is free again."""
        if not self.limits.chat_interval:
            return
        self._chats.pop(chat_id, None)
        if self._redis is not None:
            await self._redis.delete(f"{self._prefix}:chat:{chat_id}")

    async def _reserve(self, chat_id: str, lane: Lane) -> Grant:
        if self._redis is None:
            return self._memory.reserve(self.limits, chat_id, lane)
        if self._script is None:
            self._script = self._redis.register_script(_RESERVE)
        args = list(self._args)
        args[2] = lane
        args[7] = self.limits.group_limit(chat_id)
        busy, micros, paused = await self._script(
            keys=[
                f"{self._prefix}:tat",
                f"{self._prefix}:bulk",
                f"{self._prefix}:replies",
                f"{self._prefix}:chat:{chat_id}",
                f"{self._prefix}:group:{chat_id}",
                f"{self._prefix}:pause",
            ],
            args=args,
        )
        if int(paused) > 0:  # another process drew a 429: this one holds its sends too
            self.resume_at = max(self.resume_at, time.monotonic() + int(paused) / 1000)
        return Grant(bool(int(busy)), max(0, int(micros)) / 1_000_000)

    async def _note_sent(self, chat_id: str, late: float) -> None:
        """The message goes now. The schedule spaced the chat from the slot's time; a process
        that woke late spaces the chat's next message from now instead."""
        note_chat(self._chats, chat_id, time.monotonic() + self.limits.chat_interval)
        if self._redis is not None and late > LATE:
            await self._redis.pexpire(
                f"{self._prefix}:chat:{chat_id}", int(self.limits.chat_interval * 1000), gt=True
            )
