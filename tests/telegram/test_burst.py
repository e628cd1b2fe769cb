"""A burst of updates larger than the database pool, through the real polling loop in-process.

The real `python -m bot run` process is exercised with 10,000 updates by
bench/telegram_burst_bench.py; on a shared 2-core machine a smaller burst in-process keeps the
suite fast while still overflowing the pool (20 connections) many times over.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import TelegramObject

from bot.app import App
from bot.channels.telegram import polling
from bot.channels.telegram.handlers import router
from bot.channels.telegram.outbound import TelegramOutbound
from bot.channels.telegram.runner import make_bot
from bot.services.sender import Limits
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"
BURST = 120  # six times the PostgreSQL pool (20 connections)
LIMIT = 4
FIRST_USER = 500_000


@dataclass
class Watch:
    """An outer aiogram middleware: how many updates run at once, and which are handled."""

    running: int = 0
    most: int = 0
    handled: set[int] = field(default_factory=set)
    early_acks: list[int] = field(default_factory=list)

    async def __call__(
        self, handler: Callable[..., Awaitable[Any]], event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            return await handler(event, data)
        finally:
            self.running -= 1
            self.handled.add(event.update_id)  # type: ignore[attr-defined]

    def check_offset(self, offset: int, first: int) -> None:
        """getUpdates' offset acknowledges every update below it: each must be handled."""
        unhandled = [u for u in range(first, offset) if u not in self.handled]
        if unhandled:
            self.early_acks.append(offset)


@dataclass
class Burst:
    fake: FakeTelegram
    bot: Bot
    dp: Dispatcher
    watch: Watch
    first_update: int = 0

    def queue(self, count: int) -> None:
        ids = [self.fake.message(FIRST_USER + i, "/start") for i in range(count)]
        self.first_update = ids[0]

    def answered(self) -> Counter[str]:
        return Counter(s.chat_id for s in self.fake.sent)


@pytest.fixture
async def burst(any_app: App) -> AsyncIterator[Burst]:
    fake = FakeTelegram()
    await fake.start()
    bot = make_bot(TOKEN, fake.base)
    sender = any_app.sender.add(
        TelegramOutbound(bot), Limits(per_second=100_000, per_chat_interval=0)
    )
    dp = Dispatcher()
    dp.include_router(router(any_app.dialog, sender))
    watch = Watch()
    dp.update.outer_middleware(watch)
    harness = Burst(fake, bot, dp, watch)
    fake.on_offset = lambda offset: offset and watch.check_offset(offset, harness.first_update)
    yield harness
    await bot.session.close()
    await fake.stop()


async def _progress(measure: Callable[[], int], target: int, stall: float = 60.0) -> None:
    """Wait until `measure()` reaches `target`, failing only when it stops moving for `stall`
    seconds: a loaded machine makes the burst slower, never wrong, and a stuck one still fails."""
    last, moved = measure(), time.monotonic()
    while (now := measure()) < target:
        if now != last:
            last, moved = now, time.monotonic()
        assert time.monotonic() - moved < stall, f"stalled at {now} of {target}"
        await asyncio.sleep(0.05)


def _acknowledged(burst: Burst) -> int:
    """Updates acknowledged so far (getUpdates' offset counts every handled update below it)."""
    offsets = burst.fake.offsets
    return max(0, (offsets[-1] if offsets else 0) - burst.first_update)


async def test_a_burst_over_the_pool_waits_and_every_user_is_answered(burst: Burst) -> None:
    burst.queue(BURST)
    task = asyncio.create_task(polling.poll(burst.dp, burst.bot, LIMIT, poll_seconds=1))
    try:
        await _progress(lambda: len(burst.answered()), BURST)
        await _progress(lambda: _acknowledged(burst), BURST)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert burst.watch.most <= LIMIT  # never more handlers than the cap
    assert burst.watch.most == LIMIT  # and the cap was reached: the burst really queued
    assert burst.watch.early_acks == []  # nothing acknowledged before it was handled
    per_user = burst.answered()
    assert len(per_user) == BURST and len(set(per_user.values())) == 1  # each answered, once


async def test_stopping_mid_burst_is_prompt_and_loses_nothing(burst: Burst) -> None:
    burst.queue(BURST)
    task = asyncio.create_task(polling.poll(burst.dp, burst.bot, LIMIT, poll_seconds=1))
    await _progress(lambda: len(burst.watch.handled), BURST // 5)
    started = time.monotonic()
    task.cancel()  # what Ctrl+C does to the channel's task
    await asyncio.gather(task, return_exceptions=True)
    stopped_in = time.monotonic() - started
    assert stopped_in < polling.GRACE_SECONDS + 2
    assert len(burst.answered()) < BURST  # it really stopped mid-burst

    # The next start fetches what was not acknowledged; every user ends up answered once.
    again = asyncio.create_task(polling.poll(burst.dp, burst.bot, LIMIT, poll_seconds=1))
    try:
        await _progress(lambda: len(burst.answered()), BURST)
        # Every update acknowledged means every handler is done: no answer can come after.
        await _progress(lambda: _acknowledged(burst), BURST)
    finally:
        again.cancel()
        await asyncio.gather(again, return_exceptions=True)
    assert burst.watch.early_acks == []
    per_user = burst.answered()
    assert len(per_user) == BURST and len(set(per_user.values())) == 1


async def test_an_update_finished_while_asking_again_is_acknowledged_at_once() -> None:
    """The last update in hand finishes while getUpdates (asking again because it still ran) is
    on its way: its answer holds only that update, now done. The loop must go on and acknowledge
    it, not wait for a handler that will never finish (a lost wake-up stalled the burst test)."""
    from aiogram import Router
    from aiogram.types import Message

    fake = FakeTelegram()
    await fake.start()
    bot = make_bot(TOKEN, fake.base)
    release, handled = asyncio.Event(), asyncio.Event()
    tiny = Router()

    @tiny.message()
    async def slow(message: Message) -> None:
        await release.wait()  # still in hand when the loop asks again
        handled.set()

    dp = Dispatcher()
    dp.include_router(tiny)
    first = fake.message(FIRST_USER, "/start")
    # The loop asks again with the update still in hand (offset == its id): let it finish now,
    # before that answer reaches the loop.
    fake.on_offset = lambda offset: offset == first and release.set()
    task = asyncio.create_task(polling.poll(dp, bot, LIMIT, poll_seconds=1))
    try:
        await asyncio.wait_for(handled.wait(), 10)
        deadline = time.monotonic() + 10
        while first + 1 not in fake.offsets:
            assert time.monotonic() < deadline, f"never acknowledged: offsets {fake.offsets}"
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bot.session.close()
        await fake.stop()
