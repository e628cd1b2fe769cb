"""One sender per platform token: keeps the platform's rate limits and pauses on a 429.

Telegram allows about 30 messages a second per bot and one a second per chat; a 429 carries
`retry_after` and the whole bot must wait it out. Other channels plug in their own limits, and one
channel's (or one unit bot's) pause or outage never holds up another's. The pace itself
(bot/services/pacing.py) is shared by every process through Redis when there is one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from bot.services.io import Out, Outbound, PiecedOutbound, RateLimited
from bot.services.pacing import Lane, PaceLimits, TokenPace
from bot.services.policy import ChannelPolicy, PolicyTable

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    per_second: float = 30.0  # the bot's overall rate
    per_chat_interval: float = 1.0  # seconds between two messages to one chat
    max_rate_limit_retries: int = 5
    reply_reserve: int = 0  # slots a second the daily push leaves to replies while they wait
    group_per_minute: int | None = None  # messages a minute to one group chat

    def pace(self) -> PaceLimits:
        return PaceLimits(
            per_second=self.per_second,
            chat_interval=self.per_chat_interval,
            group_per_minute=self.group_per_minute,
            reply_reserve=self.reply_reserve,
        )


class ChannelSender:
    """Sends through one `Outbound` (one token), within its pace. Raises `Unreachable` and
    `TemporaryFailure` to the caller; handles `RateLimited` itself by pausing every send."""

    def __init__(
        self,
        outbound: Outbound,
        limits: Limits,
        pace: TokenPace | None = None,
        bot_id: int | None = None,
    ) -> None:
        self.outbound = outbound
        self.limits = limits
        self.bot_id = bot_id
        self.pace = pace or TokenPace(f"{outbound.channel}:{bot_id or 'default'}", limits.pace())
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self.sent = 0  # platform messages (a long `Out` may be several)
        self.rate_limited = 0

    @property
    def channel(self) -> str:
        return self.outbound.channel

    async def _wait_pause(self) -> None:
        # A later 429 may push the resume time further while we sleep: check again after.
        while (delay := self.pace.resume_at - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)

    async def chat_ready(self, chat_id: str) -> None:
        """Wait until the chat may get its next message, taking nothing: a caller that holds
        something scarce while it sends (a delivery's in-flight slot) waits here first."""
        await self._wait_pause()
        await self.pace.chat_ready(chat_id)

    async def send(self, chat_id: str, message: Out, lane: Lane = "reply") -> None:
        """`lane`: "reply" answers someone who just wrote and goes first; "bulk" is the push."""
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:  # one chat's messages go out in order
            try:
                if isinstance(self.outbound, PiecedOutbound):
                    # Each platform message is paced, and a 429 repeats only its own piece.
                    for piece in self.outbound.pieces(message):
                        await self._send_within_limits(
                            chat_id, partial(self.outbound.send_piece, chat_id, piece), lane
                        )
                else:
                    await self._send_within_limits(
                        chat_id, lambda: self.outbound.send(chat_id, message), lane
                    )
            finally:
                if not lock._waiters:  # asyncio.Lock keeps no public count; drop idle locks
                    self._chat_locks.pop(chat_id, None)

    async def _send_within_limits(
        self, chat_id: str, send_once: Callable[[], Awaitable[None]], lane: Lane
    ) -> None:
        for attempt in range(self.limits.max_rate_limit_retries + 1):
            while True:
                await self._wait_pause()
                await self.pace.acquire(chat_id, lane)
                if self.pace.resume_at <= time.monotonic():
                    break
                # A 429 arrived while we queued: by the pause's end this slot is long past, and
                # sent then the message would land on top of the slots of that moment (drawing
                # the next 429). It is left unused, and a slot after the pause is asked for.
            try:
                await send_once()
            except RateLimited as exc:
                self.rate_limited += 1
                await self.pace.pause(exc.retry_after)  # every process, not only this one
                log.warning(
                    "%s: 429, pausing all sends for %.1fs (attempt %d)",
                    self.channel,
                    exc.retry_after,
                    attempt + 1,
                )
                if attempt == self.limits.max_rate_limit_retries:
                    raise
                continue
            self.sent += 1
            return


class Sender:
    """Every token's sender: each channel's default bot by channel name, units' own bots by id.

    With `redis` every process counts each token's pace in the same place; without it, each
    token is paced in this process alone.
    """

    def __init__(
        self,
        senders: dict[str, ChannelSender] | None = None,
        redis: Redis | None = None,
        declared: PolicyTable | None = None,
    ) -> None:
        self.by_channel: dict[str, ChannelSender] = dict(senders or {})
        self.by_bot: dict[int, ChannelSender] = {}
        self.redis = redis
        # Channels not sent through here answer with their declared policy (their window).
        self.declared = declared or PolicyTable()

    def policy(self, channel: str, bot_id: int | None = None) -> ChannelPolicy:
        """What the channel allows, as its outbound here declares it (`Policies`)."""
        sender = self.get(channel, bot_id) or self.by_channel.get(channel)
        return sender.outbound.policy if sender is not None else self.declared.policy(channel)

    def add(
        self, outbound: Outbound, limits: Limits, bot_id: int | None = None, key: str | None = None
    ) -> ChannelSender:
        """`key` names the token in the shared counts (e.g. a hash of it): two processes with
        the same token must use the same key."""
        pace_key = key or f"{outbound.channel}:{bot_id or 'default'}"
        pace = TokenPace(pace_key, limits.pace(), self.redis)
        sender = ChannelSender(outbound, limits, pace, bot_id)
        if bot_id is None:
            self.by_channel[outbound.channel] = sender
        else:
            self.by_bot[bot_id] = sender
        return sender

    def remove(self, channel: str, bot_id: int | None = None) -> None:
        """Stop sending through a token (a unit's bot removed while running)."""
        if bot_id is None:
            if channel in self.by_channel:
                del self.by_channel[channel]
        elif bot_id in self.by_bot and self.by_bot[bot_id].channel == channel:
            del self.by_bot[bot_id]

    def get(self, channel: str, bot_id: int | None = None) -> ChannelSender | None:
        """The sender of a unit's bot, or the channel's default bot for `bot_id` None. A unit bot
        that is not running here (removed, disabled) has none: its learners are not sent to
        through another bot, which could not reach them anyway."""
        if bot_id is None:
            return self.by_channel.get(channel)
        found = self.by_bot.get(bot_id)
        return found if found is not None and found.channel == channel else None

    def has(self, channel: str, bot_id: int | None = None) -> bool:
        return self.get(channel, bot_id) is not None

    def all(self) -> list[ChannelSender]:
        return [*self.by_channel.values(), *self.by_bot.values()]

    async def chat_ready(self, channel: str, chat_id: str, bot_id: int | None = None) -> None:
        sender = self.get(channel, bot_id)
        if sender is not None:
            await sender.chat_ready(chat_id)

    async def send(
        self,
        channel: str,
        chat_id: str,
        message: Out,
        *,
        bot_id: int | None = None,
        lane: Lane = "reply",
    ) -> None:
        sender = self.get(channel, bot_id)
        if sender is None:
            raise KeyError(f"no sender for {channel} bot {bot_id}")
        await sender.send(chat_id, message, lane)
