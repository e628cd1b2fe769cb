"""Starting the Telegram channel: bot, dispatcher, commands, long polling."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import BotCommand

from bot.channels.telegram.handlers import router
from bot.channels.telegram.outbound import TelegramOutbound
from bot.config import Settings
from bot.i18n import Translator
from bot.services.sender import Limits

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

COMMANDS = ("lesson", "progress", "leaderboard", "settings", "link", "help", "stop", "start", "mydata",
            "deleteme")


def command_list(language: str) -> list[BotCommand]:
    tr = Translator(language)
    return [BotCommand(command=c, description=tr(f"command.desc.{c}")) for c in COMMANDS]


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


def _isolation(redis_url: str | None) -> tuple[object, BaseEventIsolation]:
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


async def start_telegram(app: App) -> asyncio.Task[None]:
    settings = app.settings
    assert settings.telegram_bot_token is not None
    bot = make_bot(settings.telegram_bot_token.get_secret_value(), settings.telegram_api_base)
    outbound = TelegramOutbound(bot, paid_broadcast=settings.telegram_paid_broadcast)
    sender = app.sender.add(outbound, telegram_limits(settings))
    storage, isolation = _isolation(settings.redis_url)
    dp = Dispatcher(storage=storage, events_isolation=isolation)  # type: ignore[arg-type]
    dp.include_router(router(app.dialog, sender, fetch_photos=settings.llm_vision,
                             fetch_voices=app.deps.speech is not None))
    me = await bot.get_me()
    app.deps.bot_link = f"https://t.me/{me.username}" if me.username else ""
    await register_commands(bot)
    log.info("Telegram bot @%s polling", me.username)
    return asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=True), name="telegram"
    )
