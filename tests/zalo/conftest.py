"""Zalo channels in-process: the real clients, handlers and webhooks against fake Zalo servers
on 127.0.0.1; the inbox is drained by the test, so every step is deterministic."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.channels.zalo.bot_channel import store_update
from bot.channels.zalo.runner import ZaloChannels
from bot.channels.zalo.webhooks import serve
from bot.config import load_settings
from bot.services.units import import_units
from lessons.model import Curriculum, Lesson
from scoring.grading import Grade, Work
from scoring.rules import RulesGrader
from tests.conftest import UNITS_CSV, Clock, join_code, sqlite_url
from tests.fakes.zalo_bot_api import TOKEN, FakeZaloBot
from tests.fakes.zalo_oa_api import APP_ID, SECRET_KEY, FakeZaloOA


@dataclass
class RecordingGrader:
    """The rules grader, remembering what it was given (to see a photo's bytes arrive)."""

    seen: list[Work] = field(default_factory=list)

    async def grade(self, lesson: Lesson, work: Work) -> Grade:
        self.seen.append(work)
        return await RulesGrader().grade(lesson, work)


async def zalo_app(
    url: str, clock: Clock, curriculum: Curriculum, grader: Any = None, **env: Any
) -> App:
    settings = load_settings(DATABASE_URL=url, TELEGRAM_BOT_TOKEN="", _env_file=None, **env)
    app = await build_app(settings, grader=grader or RulesGrader(), curriculum=curriculum)
    app.deps.clock = clock
    return app


def zalo_env(bot: FakeZaloBot, oa: FakeZaloOA, **extra: Any) -> dict[str, Any]:
    return {
        "ZALO_BOT_TOKEN": TOKEN,
        "ZALO_BOT_API_BASE": bot.base,
        "ZALO_OA_APP_ID": APP_ID,
        "ZALO_OA_SECRET_KEY": SECRET_KEY,
        "ZALO_OA_ACCESS_TOKEN": "A0",
        "ZALO_OA_REFRESH_TOKEN": "R0",
        "ZALO_OA_API_BASE": oa.base,
        "ZALO_OA_OAUTH_URL": f"{oa.base}/v4/oa/access_token",
        "ZALO_WEBHOOK_HOST": "127.0.0.1",
        "ZALO_WEBHOOK_PORT": 0,
        "ZALO_BOT_WEBHOOK_URL": "https://hocai.example.vn/zalo/bot",
        # The platforms' pacing is the sender's business, tested on its own: no waiting here.
        "ZALO_BOT_RATE_PER_SECOND": 1000,
        "ZALO_BOT_CHAT_INTERVAL": 0,
        "ZALO_OA_RATE_PER_SECOND": 1000,
        "ZALO_OA_CHAT_INTERVAL": 0,
        **extra,
    }


@dataclass
class Zalo:
    app: App
    channels: ZaloChannels
    bot: FakeZaloBot
    oa: FakeZaloOA
    grader: RecordingGrader
    base: str = ""

    @property
    def inbox(self):  # type: ignore[no-untyped-def]
        return self.channels.inbox

    @property
    def oa_url(self) -> str:
        return self.base + self.app.settings.zalo_oa_webhook_path

    @property
    def bot_url(self) -> str:
        return self.base + self.app.settings.zalo_bot_webhook_path

    async def poll(self) -> None:
        """One long poll, then the worker: what the polling loop and the worker do."""
        api = self.channels.bot_api
        assert api is not None
        while updates := await api.get_updates(0):  # no wait: an empty queue answers 408
            for update in updates:
                await store_update(self.inbox, update)
        await self.inbox.drain()

    async def bot_says(self, user: str, text: str) -> str:
        """A learner's message on the Bot Platform; returns what the bot answered."""
        before = len(self.bot.to(user))
        self.bot.text(user, text)
        await self.poll()
        return self.bot.texts(user, before)

    async def oa_says(self, user: str, text: str) -> str:
        before = len(self.oa.to(user))
        assert await self.oa.deliver(self.oa_url, self.oa.text(user, text)) == 200
        await self.inbox.drain()
        return self.oa.texts(user, before)

    async def code(self, unit: str = "T05") -> str:
        return await join_code(self.app, unit)


@pytest.fixture
async def zalo(tmp_path: Path, clock: Clock, curriculum: Curriculum) -> AsyncIterator[Zalo]:
    async with zalo_harness(sqlite_url(tmp_path), clock, curriculum) as harness:
        yield harness


@asynccontextmanager
async def zalo_harness(url: str, clock: Clock, curriculum: Curriculum) -> AsyncIterator[Zalo]:
    """Both fake Zalo servers, the app on `url`, and its webhook server on a free port."""
    bot, oa = FakeZaloBot(), FakeZaloOA()
    await bot.start()
    await oa.start()
    grader = RecordingGrader()
    app = await zalo_app(url, clock, curriculum, grader, **zalo_env(bot, oa))
    await import_units(app.store, UNITS_CSV)
    channels = ZaloChannels(app)
    await channels.setup_bot()
    await channels.setup_oa()
    runner = await serve(channels.routes, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    harness = Zalo(app, channels, bot, oa, grader, f"http://127.0.0.1:{port}")
    try:
        yield harness
    finally:
        await runner.cleanup()
        await channels.close()
        await app.close()
        await bot.stop()
        await oa.stop()


async def walk_onboarding(say: Any, code: str, name: str = "Lò Thị Mai") -> str:
    """Join with numbered replies only, as on a phone without buttons; returns all answers."""
    said = [
        await say(f"/start g_{code}"),
        await say("1"),
        await say(name),
        await say("1990"),
        await say("4"),
        await say("19:00"),
    ]
    return "\n".join(said)
