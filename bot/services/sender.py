"""One sender per channel token: keeps the platform's rate limits and pauses on a 429.

Telegram allows about 30 messages a second per bot and one a second per chat; a 429 carries
`retry_after` and the whole bot must wait it out. Other channels plug in their own limits, and one
channel's pause or outage never holds up another's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from aiolimiter import AsyncLimiter

from bot.services.io import Out, Outbound, PiecedOutbound, RateLimited

log = logging.getLogger(__name__)


SAFETY = 0.95


@dataclass(frozen=True)
class Limits:
    per_second: float = 30.0  # the bot's overall rate
    per_chat_interval: float = 1.0  # seconds between two messages to one chat
    max_rate_limit_retries: int = 5


class ChannelSender:
    """Sends through one `Outbound`, within its limits. Raises `Unreachable` and
    `TemporaryFailure` to the caller; handles `RateLimited` itself by pausing every send."""

    _CHAT_MEMORY = 100_000  # remembered last-send times, oldest dropped first

    def __init__(self, outbound: Outbound, limits: Limits) -> None:
        self.outbound = outbound
        self.limits = limits
        # Evenly spaced, no bursts, a little under the limit: a platform that counts a sliding
        # one-second window answers 429 to a bucket that bursts at the full rate.
        self._limiter = AsyncLimiter(1, 1.0 / (limits.per_second * SAFETY))
        self._resume_at = 0.0
        self._chat_last: OrderedDict[str, float] = OrderedDict()
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self.sent = 0  # platform messages (a long `Out` may be several)
        self.rate_limited = 0

    @property
    def channel(self) -> str:
        return self.outbound.channel

    async def _wait_pause(self) -> None:
        # A later 429 may push the resume time further while we sleep: check again after.
        while (delay := self._resume_at - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)

    async def _wait_chat(self, chat_id: str) -> None:
        last = self._chat_last.get(chat_id)
        if last is not None:
            delay = last + self.limits.per_chat_interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    async def send(self, chat_id: str, message: Out) -> None:
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:  # one chat's messages go out in order
            try:
                if isinstance(self.outbound, PiecedOutbound):
                    # Each platform message is paced, and a 429 repeats only its own piece.
                    for piece in self.outbound.pieces(message):
                        await self._send_within_limits(
                            chat_id, partial(self.outbound.send_piece, chat_id, piece))
                else:
                    await self._send_within_limits(
                        chat_id, lambda: self.outbound.send(chat_id, message))
            finally:
                if not lock._waiters:  # asyncio.Lock keeps no public count; drop idle locks
                    self._chat_locks.pop(chat_id, None)

    async def _send_within_limits(
        self, chat_id: str, send_once: Callable[[], Awaitable[None]]
    ) -> None:
        for attempt in range(self.limits.max_rate_limit_retries + 1):
            await self._wait_pause()
            await self._wait_chat(chat_id)
            await self._limiter.acquire()
            await self._wait_pause()  # a 429 may have arrived while we queued
            try:
                await send_once()
            except RateLimited as exc:
                self.rate_limited += 1
                self._resume_at = max(self._resume_at, time.monotonic() + exc.retry_after)
                log.warning("%s: 429, pausing all sends for %.1fs (attempt %d)",
                            self.channel, exc.retry_after, attempt + 1)
                if attempt == self.limits.max_rate_limit_retries:
                    raise
                continue
            self.sent += 1
            self._chat_last[chat_id] = time.monotonic()
            self._chat_last.move_to_end(chat_id)
            if len(self._chat_last) > self._CHAT_MEMORY:
                self._chat_last.popitem(last=False)
            return


class Sender:
    """All channels' senders, by channel name."""

    def __init__(self, senders: dict[str, ChannelSender] | None = None) -> None:
        self.by_channel: dict[str, ChannelSender] = dict(senders or {})

    def add(self, outbound: Outbound, limits: Limits) -> ChannelSender:
        sender = ChannelSender(outbound, limits)
        self.by_channel[outbound.channel] = sender
        return sender

    def has(self, channel: str) -> bool:
        return channel in self.by_channel

    async def send(self, channel: str, chat_id: str, message: Out) -> None:
        await self.by_channel[channel].send(chat_id, message)
