"""A unit's bot added with `hocai bots add` while a worker runs is served without a restart, and
one removed is stopped: a real `hocai run --role worker` process on PostgreSQL, a fake Bot API.

Guards the watch on the bots table (bot/channels/telegram/runner.py `TelegramChannel.reload`):
without it the worker knows only the bots it found at start, and the new bot's learners are
never sent to (their deliveries end "no reachable channel").
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import build_app
from bot.config import load_settings
from bot.services.bots import add_bot, remove_bot
from bot.storage.secrets import new_key
from lessons.model import Curriculum
from scoring.rules import RulesGrader
from tests.e2e.workers import (
    FIRST_CHAT,
    Proc,
    Rows,
    environment,
    plan_round,
    seed_learners,
    wait_until,
)
from tests.fakes.telegram_api import FakeTelegram

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

LEARNERS = 12
UNIT_TOKEN = "700009:UNIT-X-token-added-while-the-worker-runs"


async def test_a_bot_added_while_a_worker_runs_is_served_and_a_removed_one_stopped(
    pg_url: str, curriculum: Curriculum
) -> None:
    key = new_key()
    fake = FakeTelegram()
    await fake.start()
    env = environment(pg_url, fake.base, HOCAI_SECRET_KEY=key, HOCAI_BOTS_RELOAD_SECONDS="0.5")
    await seed_learners(pg_url, LEARNERS)
    rows = Rows(pg_url)
    worker = await Proc("worker", env).start()
    settings = load_settings(
        DATABASE_URL=pg_url, TELEGRAM_BOT_TOKEN="", HOCAI_SECRET_KEY=key, _env_file=None
    )
    app = await build_app(settings, grader=RulesGrader(), curriculum=curriculum, migrate=False)
    engine = create_async_engine(pg_url, pool_size=1, max_overflow=0)
    try:

        async def running() -> bool:
            return worker.said("running as worker")

        await wait_until(running, 120, "the worker started")
        # `hocai bots add` for the learners' unit, and their identities now name that bot
        # (as for learners who joined through it).
        assert app.cipher is not None
        unit_bot, _ = await add_bot(app.store, app.cipher, "X", "telegram", UNIT_TOKEN)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE identities SET bot_id = :bot"), {"bot": unit_bot.id})

        async def picked_up() -> bool:
            return worker.said(f"unit bot {unit_bot.id} added")

        await wait_until(picked_up, 60, "the worker to pick the bot up")
        assert await plan_round(pg_url, curriculum) == LEARNERS

        async def done() -> bool:
            return await rows.unfinished() == 0

        await wait_until(done, 120, "every delivery finished")
        for i in range(1, LEARNERS + 1):
            through = {s.token for s in fake.to(FIRST_CHAT + i)}
            assert through == {UNIT_TOKEN}, (i, through)  # served, by the unit's bot only

        await remove_bot(app.store, unit_bot.id)

        async def stopped() -> bool:
            return worker.said(f"unit bot {unit_bot.id} removed")

        await wait_until(stopped, 60, "the worker to stop the bot")
    finally:
        output = await worker.stop()
        await engine.dispose()
        await app.close()
        await rows.close()
        await fake.stop()
    assert "Traceback" not in output, output[-3000:]


async def test_a_first_telegram_bot_added_to_a_worker_without_telegram_is_served(
    pg_url: str, curriculum: Curriculum
) -> None:
    """A province on Zalo alone; a ward then brings the first Telegram bot. The worker had no
    Telegram channel to keep in step at start: it starts one when the bot appears."""
    key = new_key()
    fake = FakeTelegram()
    await fake.start()
    env = environment(
        pg_url,
        fake.base,
        HOCAI_SECRET_KEY=key,
        HOCAI_BOTS_RELOAD_SECONDS="0.5",
        TELEGRAM_BOT_TOKEN="",  # no Telegram at all at start
        ZALO_BOT_TOKEN="1234:zalo-bot-of-the-province",
        ZALO_BOT_API_BASE="http://127.0.0.1:9",  # nobody there: the worker starts anyway
    )
    await seed_learners(pg_url, LEARNERS)
    rows = Rows(pg_url)
    worker = await Proc("worker", env).start()
    settings = load_settings(
        DATABASE_URL=pg_url, TELEGRAM_BOT_TOKEN="", HOCAI_SECRET_KEY=key, _env_file=None
    )
    app = await build_app(settings, grader=RulesGrader(), curriculum=curriculum, migrate=False)
    engine = create_async_engine(pg_url, pool_size=1, max_overflow=0)
    try:

        async def running() -> bool:
            return worker.said("running as worker")

        await wait_until(running, 120, "the worker started")
        assert app.cipher is not None
        unit_bot, _ = await add_bot(app.store, app.cipher, "X", "telegram", UNIT_TOKEN)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE identities SET bot_id = :bot"), {"bot": unit_bot.id})

        async def started() -> bool:
            return worker.said("telegram: a first bot was added while running")

        await wait_until(started, 60, "the worker to start Telegram for the new bot")
        assert await plan_round(pg_url, curriculum) == LEARNERS

        async def done() -> bool:
            return await rows.unfinished() == 0

        await wait_until(done, 120, "every delivery finished")
        for i in range(1, LEARNERS + 1):
            through = {s.token for s in fake.to(FIRST_CHAT + i)}
            assert through == {UNIT_TOKEN}, (i, through)
    finally:
        output = await worker.stop()
        await engine.dispose()
        await app.close()
        await rows.close()
        await fake.stop()
    assert "Traceback" not in output, output[-3000:]
