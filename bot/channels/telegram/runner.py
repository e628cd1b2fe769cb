"""Starting the Telegram channel: bot, dispatcher, commands; long polling or a webhook."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import BotCommand

from bot.channels.telegram import polling, webhook
from bot.channels.telegram.handlers import router
from bot.channels.telegram.outbound import TelegramOutbound
from bot.config import Settings
from bot.i18n import Translator
from bot.services.chat.routes import ROUTER
from bot.services.sender import Limits

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

def command_list(language: str) -> list[BotCommand]:
    """The chat's menu commands (one table: bot/services/chat/routes.py) with descriptions."""
    return [BotCommand(command=name, description=description)
            for name, description in ROUTER.menu(Translator(language))]


def make_bot(token: str, api_base: str | None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else None
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


async def register_commands(bot: Bot) -> None:
    """Commands with Vietnamese descriptions (default) and English ones; optional on custom servers."""
    try:
        await bot.set_my_commands(command_list("vi"))
        await bot.set_my_commands(command_list("en"), language_code="en")
    except (TelegramAPIError, TelegramNetworkError) as exc:
        log.warning("setMyCommands failed, commands will not be listed in the menu: %s", exc)


def _isolation(redis_url: str | None) -> tuple[BaseStorage, BaseEventIsolation]:
    """One user's updates are handled one at a time; across processes through Redis."""
    if redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        storage = RedisStorage.from_url(redis_url)
        return storage, RedisEventIsolation(storage.redis)
    return MemoryStorage(), SimpleEventIsolation()


def telegram_limits(settings: Settings) -> Limits:
    """30 messages a second per bot (1,000 with paid broadcasts), one a second per chat."""
    per_second = 1000.0 if settings.telegram_paid_broadcast else settings.telegram_rate_per_second
    return Limits(per_second=per_second, per_chat_interval=settings.telegram_chat_interval)


def webhook_secret(settings: Settings) -> str:
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    assert settings.telegram_bot_token is not None
    return webhook.derived_secret(settings.telegram_bot_token.get_secret_value())


async def start_telegram(app: App, intake: bool = True) -> asyncio.Task[None]:
    """The bot's sender, and with `intake` its updates (polling or the webhook); a worker or
    scheduler process only sends."""
    settings = app.settings
    assert settings.telegram_bot_token is not None
    bot = make_bot(settings.telegram_bot_token.get_secret_value(), settings.telegram_api_base)
    outbound = TelegramOutbound(bot, paid_broadcast=settings.telegram_paid_broadcast)
    sender = app.sender.add(outbound, telegram_limits(settings))
    if not intake:
        return asyncio.create_task(_sending_only(bot), name="telegram")
    storage, isolation = _isolation(settings.redis_url)
    dp = Dispatcher(storage=storage, events_isolation=isolation)
    dp.include_router(router(app.dialog, sender, fetch_photos=settings.llm_vision,
                             fetch_voices=app.deps.speech is not None))
    me = await bot.get_me()
    app.deps.bot_link = f"https://t.me/{me.username}" if me.username else ""  # invite links
    await register_commands(bot)
    limit = settings.telegram_max_concurrent_updates
    if settings.telegram_webhook_url:
        run = await _webhook(dp, bot, settings, limit)
        log.info("Telegram bot @%s on a webhook at %s", me.username, settings.telegram_webhook_url)
    else:
        # One consumer per token: a webhook left from production would refuse getUpdates.
        await bot.delete_webhook(drop_pending_updates=False)
        run = polling.poll(dp, bot, limit)
        log.info("Telegram bot @%s polling", me.username)
    return asyncio.create_task(_closing(run, bot, dp), name="telegram")


async def _webhook(dp: Dispatcher, bot: Bot, settings: Settings, limit: int
                   ) -> Coroutine[Any, Any, None]:
    secret = webhook_secret(settings)
    handler = webhook.CappedRequestHandler(dp, bot, secret, limit)
    server = await webhook.serve(handler, settings.telegram_webhook_path,
                                 settings.telegram_webhook_host, settings.telegram_webhook_port)
    # max_connections: Telegram itself opens no more parallel requests than we handle at once.
    await bot.set_webhook(str(settings.telegram_webhook_url), secret_token=secret,
                          max_connections=limit, allowed_updates=dp.resolve_used_update_types())

    async def serving() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await server.cleanup()

    return serving()


async def _sending_only(bot: Bot) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        await bot.session.close()


async def _closing(run: Coroutine[Any, Any, None], bot: Bot, dp: Dispatcher) -> None:
    try:
        await run
    finally:
        await bot.session.close()
        await dp.storage.close()
