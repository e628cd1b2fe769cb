"""A unit's bot added with `hocai bots add` while a worker runs is served without a restart, and
one removed is stopped: a real `hocai run --role worker` process on PostgreSQL, a fake Bot API.

Guards the watch on the bots table (bot/channels/telegram/runner.py `TelegramChannel.reload`):
without it the worker knows only the bots it found at start, and the new bot's learners are
never sent to (their deliveries end "no reachable channel").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.app import App, build_app
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


@dataclass
class Running:
    worker: Proc
    app: App  # the command line's side: `hocai bots add|remove` through the services
    fake: FakeTelegram
    rows: Rows
    engine: AsyncEngine
    url: str

    async def add_unit_bot(self) -> int:
        """`hocai bots add` for the learners' unit, and their identities then name that bot (as
        for learners who joined through it). Returns the bot's id."""
        assert self.app.cipher is not None
        unit_bot, _ = await add_bot(self.app.store, self.app.cipher, "X", "telegram", UNIT_TOKEN)
        async with self.engine.begin() as conn:
            await conn.execute(text("UPDATE identities SET bot_id = :bot"), {"bot": unit_bot.id})
        return unit_bot.id

    async def said(self, what: str, line: str, timeout: float = 60) -> None:
        """Wait until the worker has logged `line` (`what` names it in a timeout)."""

        async def seen() -> bool:
            return self.worker.said(line)

        await wait_until(seen, timeout, what)

    async def round_through_the_unit_bot(self, curriculum: Curriculum) -> None:
        """A round planned now reaches every learner, through the unit's bot only."""
        assert await plan_round(self.url, curriculum) == LEARNERS

        async def done() -> bool:
            return await self.rows.unfinished() == 0

        await wait_until(done, 120, "every delivery finished")
        for i in range(1, LEARNERS + 1):
            through = {s.token for s in self.fake.to(FIRST_CHAT + i)}
            assert through == {UNIT_TOKEN}, (i, through)  # served, by the unit's bot only


@asynccontextmanager
async def worker_running(pg_url: str, curriculum: Curriculum, **env: str) -> AsyncIterator[Running]:
    """A real `hocai run --role worker` on a fresh database with LEARNERS learners due, a fake
    Bot API, and the bots table watched every half second."""
    key = new_key()
    fake = FakeTelegram()
    await fake.start()
    await seed_learners(pg_url, LEARNERS)
    rows = Rows(pg_url)
    worker = await Proc(
        "worker",
        environment(
            pg_url, fake.base, HOCAI_SECRET_KEY=key, HOCAI_BOTS_RELOAD_SECONDS="0.5", **env
        ),
    ).start()
    settings = load_settings(
        DATABASE_URL=pg_url, TELEGRAM_BOT_TOKEN="", HOCAI_SECRET_KEY=key, _env_file=None
    )
    app = await build_app(settings, grader=RulesGrader(), curriculum=curriculum, migrate=False)
    engine = create_async_engine(pg_url, pool_size=1, max_overflow=0)
    output = ""
    try:
        running = Running(worker, app, fake, rows, engine, pg_url)
        await running.said("the worker started", "running as worker", timeout=120)
        yield running
    finally:
        output = await worker.stop()
        await engine.dispose()
        await app.close()
        await rows.close()
        await fake.stop()
    assert "Traceback" not in output, output[-3000:]


async def test_a_bot_added_while_a_worker_runs_is_served_and_a_removed_one_stopped(
    pg_url: str, curriculum: Curriculum
) -> None:
    async with worker_running(pg_url, curriculum) as run:
        bot_id = await run.add_unit_bot()
        await run.said("the worker to pick the bot up", f"unit bot {bot_id} added")
        await run.round_through_the_unit_bot(curriculum)
        await remove_bot(run.app.store, bot_id)
        await run.said("the worker to stop the bot", f"unit bot {bot_id} removed")


async def test_a_first_telegram_bot_added_to_a_worker_without_telegram_is_served(
    pg_url: str, curriculum: Curriculum
) -> None:
    """A province on Zalo alone; a ward then brings the first Telegram bot. The worker had no
    Telegram channel to keep in step at start: it starts one when the bot appears."""
    async with worker_running(
        pg_url,
        curriculum,
        TELEGRAM_BOT_TOKEN="",  # no Telegram at all at start
        ZALO_BOT_TOKEN="1234:zalo-bot-of-the-province",
        ZALO_BOT_API_BASE="http://127.0.0.1:9",  # nobody there: the worker starts anyway
    ) as run:
        await run.add_unit_bot()
        await run.said(
            "the worker to start Telegram for the new bot",
            "telegram: a first bot was added while running",
        )
        await run.round_through_the_unit_bot(curriculum)
