"""Several workers: one user's updates are handled one at a time through Redis."""

from __future__ import annotations

import asyncio
import os

import pytest
from aiogram import Dispatcher, Router
from aiogram.types import Message, Update

from bot.channels.telegram.runner import _isolation, make_bot
from tests.conftest import port_open
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url() -> str:
    if not port_open("127.0.0.1", 6379):
        if os.environ.get("CI"):
            pytest.fail("CI must run the Redis tests, but 127.0.0.1:6379 is closed")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return "redis://127.0.0.1:6379/15"


async def test_two_workers_never_handle_one_users_updates_at_once(redis_url: str) -> None:
    fake = FakeTelegram()
    await fake.start()
    bot = make_bot("123456:TEST-token-for-the-fake-bot-api-server", fake.base)
    running: set[int] = set()
    overlaps: list[int] = []
    router_a, router_b = Router(), Router()

    async def slow(message: Message) -> None:
        user = message.from_user.id  # type: ignore[union-attr]
        if user in running:
            overlaps.append(user)
        running.add(user)
        await asyncio.sleep(0.05)
        running.discard(user)

    router_a.message()(slow)
    router_b.message()(slow)
    workers = []
    for router in (router_a, router_b):  # two dispatchers, as in two processes
        storage, isolation = _isolation(redis_url)
        dp = Dispatcher(storage=storage, events_isolation=isolation)  # type: ignore[arg-type]
        dp.include_router(router)
        workers.append((dp, storage))
    try:
        for n in range(3):
            fake.message(55, f"tin {n}")
        updates = [Update.model_validate(u, context={"bot": bot}) for u in fake._updates]
        await asyncio.gather(
            *(workers[i % 2][0].feed_update(bot, u) for i, u in enumerate(updates))
        )
        assert overlaps == []
    finally:
        for _, storage in workers:
            await storage.close()  # type: ignore[attr-defined]
        await bot.session.close()
        await fake.stop()
