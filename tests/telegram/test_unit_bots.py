"""Units' own Telegram bots: a learner who joins through a unit's bot is answered and pushed
their lessons through that bot's token, never another's; and the `hocai bots` commands."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import App
from bot.channels.telegram import webhook
from bot.channels.telegram.runner import start_telegram
from bot.config import load_settings
from bot.services import delivery
from bot.services.bots import BotError, add_bot, list_bots, remove_bot
from bot.storage.secrets import FernetCipher, new_key
from tests.conftest import Clock, join_code
from tests.e2e.test_telegram_process import environment, hocai, seed_units
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.test_webhook import free_port

DEFAULT = "123456:TEST-token-for-the-fake-bot-api-server"
WARD_A = "700001:UNIT-A-token-for-the-fake-bot-api-server"
WARD_B = "700002:UNIT-B-token-for-the-fake-bot-api-server"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


async def unit_bots(app: App, fake: FakeTelegram, **more: object) -> tuple[int, int]:
    """The default bot in settings, and two units' own bots in the database."""
    app.settings = load_settings(
        DATABASE_URL=app.settings.database_url,
        TELEGRAM_BOT_TOKEN=DEFAULT,
        TELEGRAM_API_BASE=fake.base,
        TELEGRAM_CHAT_INTERVAL=0,
        _env_file=None,
        **more,
    )
    app.cipher = FernetCipher(new_key())
    a, _ = await add_bot(app.store, app.cipher, "T05", "telegram", WARD_A)
    b, _ = await add_bot(app.store, app.cipher, "T07", "telegram", WARD_B)
    return a.id, b.id


async def until(check, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def onboard(fake: FakeTelegram, user: int, token: str, code: str) -> None:
    """The whole onboarding, typed and tapped in the unit's bot."""
    steps: list[tuple[str, str]] = [
        ("text", f"/start g_{code}"),
        ("tap", "ob:consent:yes"),
        ("text", "Trần Thị Mai"),
        ("text", "1985"),
        ("tap", "ob:occ:farmer"),
        ("text", "07:00"),
    ]
    for kind, value in steps:
        before = len(fake.to(user))
        if kind == "text":
            fake.message(user, value, token=token)
        else:
            fake.tap(user, value, token=token)
        await until(lambda before=before: len(fake.to(user)) > before)
        await asyncio.sleep(0.1)  # the rest of the same answer


async def test_each_learner_is_answered_and_pushed_through_their_units_bot(
    app: App, fake: FakeTelegram, clock: Clock
) -> None:
    await unit_bots(app, fake)
    task = await start_telegram(app)
    assert task is not None
    try:
        await onboard(fake, 5001, WARD_A, await join_code(app, "T05"))
        await onboard(fake, 5002, WARD_B, await join_code(app, "T07"))
        await onboard(fake, 5003, DEFAULT, await join_code(app, "T05"))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # Answers came through the bot each person wrote to, and only through it.
    for user, token in ((5001, WARD_A), (5002, WARD_B), (5003, DEFAULT)):
        assert fake.to(user, token) and len(fake.to(user, token)) == len(fake.to(user))
    answered = {user: len(fake.to(user)) for user in (5001, 5002, 5003)}

    clock.advance(days=1)  # tomorrow at 08:00 Hà Nội: the 07:00 push is due
    report = await delivery.delivery_round(app.deps, app.sender)
    assert report.sent == 3
    for user, token in ((5001, WARD_A), (5002, WARD_B), (5003, DEFAULT)):
        pushed = fake.to(user)[answered[user] :]
        assert pushed and {s.token for s in pushed} == {token}


async def test_a_removed_units_bot_is_not_started_and_its_learners_are_not_sent_to(
    app: App, fake: FakeTelegram, clock: Clock
) -> None:
    a, _ = await unit_bots(app, fake)
    task = await start_telegram(app)
    assert task is not None
    try:
        await onboard(fake, 6001, WARD_A, await join_code(app, "T05"))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await remove_bot(app.store, a)
    app.sender.by_bot.clear()
    app.sender.by_channel.clear()
    fake.calls.clear()
    task = await start_telegram(app)  # a restart: the removed bot is not among them
    assert task is not None
    await asyncio.sleep(0.2)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert a not in app.sender.by_bot and len(app.sender.by_bot) == 1
    before = len(fake.to(6001))
    clock.advance(days=1)
    report = await delivery.delivery_round(app.deps, app.sender)
    assert report.sent == 0  # not pushed through the default bot, which they never started
    assert len(fake.to(6001)) == before


async def test_webhook_mode_gives_each_bot_its_own_path_and_secret(
    app: App, fake: FakeTelegram
) -> None:
    port = free_port()
    a, _ = await unit_bots(
        app,
        fake,
        TELEGRAM_WEBHOOK_URL="https://hocai.example.vn/telegram",
        TELEGRAM_WEBHOOK_HOST="127.0.0.1",
        TELEGRAM_WEBHOOK_PORT=port,
    )
    task = await start_telegram(app)
    assert task is not None
    try:
        urls = {hook["url"]: hook["secret_token"] for hook in fake.webhooks}
        assert set(urls) == {
            "https://hocai.example.vn/telegram",
            f"https://hocai.example.vn/telegram/{a}",
            f"https://hocai.example.vn/telegram/{a + 1}",
        }
        assert len(set(urls.values())) == 3  # a secret per bot
        unit_secret = urls[f"https://hocai.example.vn/telegram/{a}"]
        assert unit_secret != webhook.derived_secret(DEFAULT)
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "text": "/start",
                "chat": {"id": 7001, "type": "private"},
                "from": {"id": 7001, "is_bot": False, "first_name": "Lan"},
            },
        }
        path = f"http://127.0.0.1:{port}/telegram/{a}"
        async with aiohttp.ClientSession() as http:
            default_secret = {webhook.SECRET_HEADER: webhook.derived_secret(DEFAULT)}
            async with http.post(path, json=update, headers=default_secret) as response:
                assert response.status == 401  # another bot's secret does not open this path
            async with http.post(
                path, json=update, headers={webhook.SECRET_HEADER: unit_secret}
            ) as response:
                assert response.status == 200
        assert fake.to(7001) and {s.token for s in fake.to(7001)} == {WARD_A}
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@pytest.mark.slow
@pytest.mark.timeout(600)  # real processes, one per command, on a shared machine
def test_bots_commands_keep_the_token_out_of_sight(tmp_path: Path) -> None:
    key = new_key()
    env = environment(tmp_path) | {"HOCAI_SECRET_KEY": key}
    seed_units(tmp_path, env)
    added = hocai(["bots", "add", "--unit", "PDP", "--telegram", WARD_A], env)
    assert added.returncode == 0, added.stderr
    assert WARD_A not in added.stdout + added.stderr and "700001:…" in added.stdout
    listed = hocai(["bots", "list", "--csv"], env)
    assert listed.stdout.splitlines()[0] == "id,unit,channel,name,token,enabled,learners"
    row = listed.stdout.splitlines()[1].split(",")
    assert row[1:3] == ["PDP", "telegram"] and row[4] == "700001:…" + WARD_A[-4:]
    assert row[5] == "yes" and WARD_A not in listed.stdout
    with sqlite3.connect(tmp_path / "bot.db") as db:  # sealed at rest, not just masked
        stored = db.execute("SELECT token, webhook_secret FROM bots").fetchone()
    assert stored[0].startswith("fernet:") and WARD_A not in stored[0]
    assert FernetCipher(key).open(stored[0]) == WARD_A

    other_unit = hocai(["bots", "add", "--unit", "T05", "--telegram", WARD_A], env)
    assert other_unit.returncode == 2 and "another unit" in other_unit.stderr
    bad = hocai(["bots", "add", "--unit", "PDP", "--telegram", "not-a-token"], env)
    assert bad.returncode == 2 and "@BotFather" in bad.stderr
    assert hocai(["bots", "remove", row[0]], env).returncode == 0
    assert hocai(["bots", "list", "--csv"], env).stdout.splitlines()[1].split(",")[5] == "no"
    wrong_key = env | {"HOCAI_SECRET_KEY": new_key()}
    refused = hocai(["bots", "list"], wrong_key)
    assert refused.returncode == 2 and "HOCAI_SECRET_KEY" in refused.stderr
    assert WARD_A not in refused.stdout + refused.stderr


async def test_adding_again_re_enables_and_mistakes_change_nothing(app: App) -> None:
    cipher = FernetCipher(None)  # no key: stored as given, still never printed whole
    first, new = await add_bot(app.store, cipher, "T05", "telegram", WARD_A)
    assert new
    await remove_bot(app.store, first.id)
    again, new = await add_bot(app.store, cipher, "T05", "telegram", f" {WARD_A} ")
    assert not new and again.id == first.id and again.enabled  # one row per token
    for unit, token in (("NOPE", WARD_B), ("T05", "123:short"), ("T07", WARD_A)):
        with pytest.raises(BotError):
            await add_bot(app.store, cipher, unit, "telegram", token)
    with pytest.raises(BotError):
        await remove_bot(app.store, 999)
    assert [v.id for v in await list_bots(app.store, cipher)] == [first.id]
    assert WARD_A not in repr(again)  # a record in a log line leaks nothing
