"""Webhook mode: setWebhook with the secret at start, 401 without it, 503 when full, 200 = handled."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Dispatcher, Router
from aiogram.types import Message

from bot.app import App
from bot.channels.telegram import webhook
from bot.channels.telegram.runner import make_bot, start_telegram
from bot.config import SettingsError, load_settings
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"
USER = 31337


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def update(update_id: int, user: int = USER, text: str = "/start") -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "Lan", "language_code": "vi"},
        },
    }


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


async def test_webhook_mode_registers_refuses_strangers_and_answers(
    app: App, fake: FakeTelegram
) -> None:
    port = free_port()
    app.settings = load_settings(
        DATABASE_URL=app.settings.database_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE=fake.base,
        TELEGRAM_WEBHOOK_URL="https://hocai.example.vn/telegram",
        TELEGRAM_WEBHOOK_HOST="127.0.0.1",
        TELEGRAM_WEBHOOK_PORT=port,
        TELEGRAM_MAX_CONCURRENT_UPDATES=6,
        _env_file=None,
    )
    secret = webhook.derived_secret(TOKEN)
    task = await start_telegram(app)
    url = f"http://127.0.0.1:{port}/telegram"
    try:
        assert fake.webhooks[-1]["url"] == "https://hocai.example.vn/telegram"
        assert fake.webhooks[-1]["secret_token"] == secret
        assert int(fake.webhooks[-1]["max_connections"]) == 6
        assert "getUpdates" not in fake.calls  # one consumer per token: no polling beside it
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {webhook.SECRET_HEADER: "wrong-secret-123"}):
                async with http.post(url, json=update(1), headers=headers) as response:
                    assert response.status == 401
            assert fake.to(USER) == []  # refused requests change nothing
            async with http.post(
                url, json=update(2), headers={webhook.SECRET_HEADER: secret}
            ) as response:
                assert response.status == 200
            assert fake.to(USER)  # 200 is said after the answer was sent
            answered = len(fake.to(USER))
            async with http.post(
                url,
                json=update(2),  # Telegram retrying the same update
                headers={webhook.SECRET_HEADER: secret},
            ) as response:
                assert response.status == 200
            assert len(fake.to(USER)) == answered
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    async with aiohttp.ClientSession() as http:  # the server stopped with the channel
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.post(url, json=update(3), headers={webhook.SECRET_HEADER: secret})


async def test_a_full_webhook_says_503_so_telegram_retries(fake: FakeTelegram) -> None:
    release = asyncio.Event()
    handled: list[int] = []
    slow = Router()

    @slow.message()
    async def wait_then_note(message: Message) -> None:
        await release.wait()
        handled.append(message.message_id)

    dp = Dispatcher()
    dp.include_router(slow)
    bot = make_bot(TOKEN, fake.base)
    handler = webhook.CappedRequestHandler(dp, bot, "s3cret-s3cret", limit=1, queue_seconds=0.3)
    port = free_port()
    server = await webhook.serve(handler, "/tg", "127.0.0.1", port)
    url = f"http://127.0.0.1:{port}/tg"
    headers = {webhook.SECRET_HEADER: "s3cret-s3cret"}
    try:
        async with aiohttp.ClientSession() as http:
            first = asyncio.create_task(http.post(url, json=update(10), headers=headers))
            while handler.gate.locked() is False:
                await asyncio.sleep(0.01)
            async with http.post(url, json=update(11, USER + 1), headers=headers) as busy:
                assert busy.status == 503 and busy.headers["Retry-After"]
            assert not first.done()  # the first is not acknowledged before it is handled
            release.set()
            async with await first as response:
                assert response.status == 200
            assert handled == [10]  # the refused one was not taken: Telegram sends it again
            async with http.post(url, json=update(11, USER + 1), headers=headers) as retried:
                assert retried.status == 200
            assert handled == [10, 11]
    finally:
        await server.cleanup()
        await bot.session.close()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"TELEGRAM_WEBHOOK_URL": "http://hocai.example.vn/telegram"}, "https:// address"),
        ({"TELEGRAM_WEBHOOK_SECRET": "changeme"}, "still a placeholder"),
        ({"TELEGRAM_WEBHOOK_SECRET": "short"}, "8-256 characters"),
        ({"TELEGRAM_WEBHOOK_PATH": "telegram"}, "start with '/'"),
        ({"TELEGRAM_MAX_CONCURRENT_UPDATES": "0"}, "greater than or equal to 1"),
    ],
)
def test_webhook_settings_that_cannot_work_fail_at_start(
    overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(TELEGRAM_BOT_TOKEN=TOKEN, _env_file=None, **overrides)


def test_empty_webhook_settings_mean_polling() -> None:
    settings = load_settings(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_URL="",
        TELEGRAM_WEBHOOK_SECRET="",
        _env_file=None,
    )
    assert settings.telegram_webhook_url is None and settings.telegram_webhook_secret is None
    assert settings.telegram_max_concurrent_updates == 8


async def test_polling_mode_removes_a_webhook_left_from_production(
    app: App, fake: FakeTelegram
) -> None:
    app.settings = load_settings(
        DATABASE_URL=app.settings.database_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE=fake.base,
        _env_file=None,
    )
    task = await start_telegram(app)
    try:
        await asyncio.sleep(0.2)
        assert fake.webhooks and fake.webhooks[0].get("deleted")
        assert fake.webhooks[0].get("drop_pending_updates") in (None, False, "false")
        deadline = time.monotonic() + 10
        while "getUpdates" not in fake.calls:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
