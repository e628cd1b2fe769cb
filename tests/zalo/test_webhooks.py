"""Both webhooks: who may call them, what they accept, and that an acknowledged event is kept
(in the inbox) before the dialog runs, so a restart loses nothing and a redelivery counts once."""

from __future__ import annotations

from bot.channels.zalo.runner import ZaloChannels, bot_webhook_secret
from bot.services.inbox import Inbox
from tests.keys import says
from tests.storage_helpers import count_rows
from tests.zalo.conftest import Zalo

USER = "u-7001"


async def test_bot_webhook_checks_the_secret_in_constant_time(zalo: Zalo) -> None:
    secret = bot_webhook_secret(zalo.app.settings)
    update = zalo.bot.update(USER, "message.text.received", text="/help")
    assert await zalo.bot.deliver(zalo.bot_url, update, None) == 401
    assert await zalo.bot.deliver(zalo.bot_url, update, secret + "x") == 401
    async with zalo.app.store.transaction() as repo:
        assert await count_rows(repo, "inbox") == 0  # a refused call stores nothing
    assert await zalo.bot.deliver(zalo.bot_url, update, secret) == 200


async def test_bot_webhook_takes_wrapped_and_bare_bodies_and_acks_before_the_dialog(
    zalo: Zalo,
) -> None:
    secret = bot_webhook_secret(zalo.app.settings)
    wrapped = zalo.bot.update(USER, "message.text.received", text=f"/start {await zalo.code()}")
    bare = zalo.bot.update(USER, "message.text.received", text="1")
    assert await zalo.bot.deliver(zalo.bot_url, wrapped, secret, wrapped=True) == 200
    assert await zalo.bot.deliver(zalo.bot_url, bare, secret, wrapped=False) == 200
    assert await zalo.bot.deliver(zalo.bot_url, bare, secret, wrapped=False) == 200  # again
    assert zalo.bot.to(USER) == []  # acknowledged, not yet handled: the worker does that
    async with zalo.app.store.transaction() as repo:
        assert await count_rows(repo, "inbox") == 2  # the redelivery was recognised

    # The process dies here. A new one on the same database finds the events and handles them.
    restarted = Inbox(zalo.app.store, zalo.app.deps.clock)
    restarted.on("zalo_bot", zalo.inbox.handlers["zalo_bot"])
    await restarted.drain()
    texts = zalo.bot.texts(USER)
    assert "Tổ dân phố số 5" in texts and says(
        texts, "onboarding.ask_name"
    )  # /start, then "1" = consent
    await restarted.drain()
    assert zalo.bot.texts(USER) == texts  # nothing is handled twice


async def test_oa_webhook_signature(zalo: Zalo) -> None:
    oa, url = zalo.oa, zalo.oa_url
    assert await oa.deliver(url, oa.text("u1", "xin chào"), tamper=True) == 401
    assert await oa.deliver(url, oa.text("u1", "xin chào"), timestamp_in_header=True) == 200
    assert await oa.deliver(url, oa.text("u1", "xin chào")) == 200
    other_app = oa.text("u1", "xin chào")
    other_app["app_id"] = "999"
    assert await oa.deliver(url, other_app) == 401  # signed with another app id: mismatch
    async with zalo.app.store.transaction() as repo:
        assert await count_rows(repo, "inbox") == 2


async def test_oa_duplicate_delivery_is_answered_once(zalo: Zalo) -> None:
    event = zalo.oa.text("u2", f"/start g_{await zalo.code()}")
    for _ in range(3):  # Zalo retries when it thinks we were too slow
        assert await zalo.oa.deliver(zalo.oa_url, event) == 200
    await zalo.inbox.drain()
    assert zalo.oa.texts("u2").count("Tổ dân phố số 5") == 1


async def test_bot_webhook_is_registered_with_its_secret(zalo: Zalo) -> None:
    settings = zalo.app.settings
    channels = ZaloChannels(zalo.app)
    try:
        await channels.setup_bot()
        await channels.jobs["zalo bot webhook registration"]()
    finally:
        await channels.close()
    assert zalo.bot.webhook == {
        "url": "https://hocai.example.vn/zalo/bot",
        "secret_token": bot_webhook_secret(settings),
    }
    assert "polling" not in " ".join(channels.jobs)  # a webhook and polling exclude each other
