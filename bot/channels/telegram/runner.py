"""Starting the Telegram channel: bot, dispatcher, commands; long polling or a webhook."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Coroutine, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import BotCommand, BotCommandScopeChat
from aiohttp import web

from bot.channels.telegram import polling, webhook
from bot.channels.telegram.handlers import CHANNEL, router
from bot.channels.telegram.outbound import TelegramOutbound
from bot.config import Settings
from bot.host import ChannelRunner
from bot.i18n import Translator
from bot.services import menus
from bot.services.bots import bots_on, enabled_bots, pace_key
from bot.services.chat.routes import ROUTER
from bot.services.permissions import Action
from bot.services.ports import Store
from bot.services.sender import ChannelSender, Limits

if TYPE_CHECKING:
    from bot.host import Host

log = logging.getLogger(__name__)

MENU_EVERY = 10.0  # seconds between reads of the role log for menus to change
MENU_PACE = 0.05  # seconds between two setMyCommands calls (a restart sets every holder's)

def command_list(language: str, actions: Collection[Action] = ()) -> list[BotCommand]:
    """The chat's menu commands (one table: bot/services/chat/routes.py) with descriptions: a
    learner's, or with `actions` (what a person's roles allow) their tools too."""
    return [BotCommand(command=name, description=description)
            for name, description in ROUTER.menu(Translator(language), actions)]


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


async def apply_menu(bot: Bot, menu: menus.Menu) -> None:
    """A role holder's own menu in their chat; back to the default one without roles."""
    scope = BotCommandScopeChat(chat_id=int(menu.chat_id) if menu.chat_id.lstrip("-").isdigit()
                                else menu.chat_id)
    if menu.actions:
        await bot.set_my_commands(command_list(menu.language, menu.actions), scope=scope)
    else:
        await bot.delete_my_commands(scope=scope)


async def sync_menus(app: Host, bots: Mapping[int | None, Bot], after_id: int = 0) -> int:
    """Set the menus of the people whose roles changed after role-log entry `after_id` (0:
    everyone who ever held one, and HOCAI_ADMINS); returns the last entry read."""
    async with app.store.transaction() as repo:
        people, last = await menus.changed_after(repo, after_id)
        if after_id == 0:
            people |= await menus.admins_known(repo, app.deps.admins)
        found = await menus.menus_of(repo, people, app.deps.admins)
    for menu in found:
        bot = bots.get(menu.bot_id)
        if bot is None:
            continue
        try:
            await apply_menu(bot, menu)
        except (TelegramAPIError, TelegramNetworkError) as exc:
            log.warning("menu of learner %s not set: %s", menu.learner_id, exc)
        await asyncio.sleep(MENU_PACE)
    return last


async def _following_menus(app: Host, bots: Mapping[int | None, Bot]) -> None:
    """Role changes reach the chat menu within MENU_EVERY seconds, whichever process made them."""
    last = 0
    while True:
        try:
            last = await sync_menus(app, bots, last)
        except Exception as exc:  # the database away for a moment: try again next round
            log.warning("menus not synced: %r", exc)
        await asyncio.sleep(MENU_EVERY)


def _isolation(redis_url: str | None) -> tuple[BaseStorage, BaseEventIsolation]:
    """One user's updates are handled one at a time; across processes through Redis."""
    if redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        storage = RedisStorage.from_url(redis_url)
        return storage, RedisEventIsolation(storage.redis)
    return MemoryStorage(), SimpleEventIsolation()


def telegram_limits(settings: Settings) -> Limits:
    """30 messages a second per bot (up to 1,000 with paid broadcasts), one a second per chat,
    20 a minute per group; a few slots a second kept for replies while the push runs."""
    per_second = (settings.telegram_paid_broadcast_rate if settings.telegram_paid_broadcast
                  else settings.telegram_rate_per_second)
    return Limits(per_second=per_second, per_chat_interval=settings.telegram_chat_interval,
                  reply_reserve=settings.telegram_reply_reserve,
                  group_per_minute=settings.telegram_group_per_minute)


def webhook_secret(settings: Settings) -> str:
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    assert settings.telegram_bot_token is not None
    return webhook.derived_secret(settings.telegram_bot_token.get_secret_value())


@dataclass
class TelegramBot:
    """One token this process sends through: the default bot (bot_id None) or a unit's own."""

    bot: Bot
    sender: ChannelSender
    bot_id: int | None
    secret: str  # the webhook's secret token
    name: str = ""


def _unit_url(base: str, bot_id: int | None) -> str:
    return base if bot_id is None else f"{base.rstrip('/')}/{bot_id}"


async def add_telegram_senders(app: Host) -> list[TelegramBot]:
    """A sender for every Telegram token: the default one from settings and every enabled unit
    bot in the database. Every process that sends (web, worker) needs them; only one process
    receives (see `start_telegram`)."""
    settings = app.settings
    limits = telegram_limits(settings)
    bots: list[TelegramBot] = []
    if settings.telegram_bot_token is not None:
        token = settings.telegram_bot_token.get_secret_value()
        bot = make_bot(token, settings.telegram_api_base)
        outbound = TelegramOutbound(bot, paid_broadcast=settings.telegram_paid_broadcast)
        sender = app.sender.add(outbound, limits, key=pace_key(CHANNEL, token))
        bots.append(TelegramBot(bot, sender, None, webhook_secret(settings)))
    assert app.cipher is not None
    for unit_bot in await enabled_bots(app.store, app.cipher, CHANNEL):
        bot = make_bot(unit_bot.token, settings.telegram_api_base)
        outbound = TelegramOutbound(bot, paid_broadcast=settings.telegram_paid_broadcast)
        sender = app.sender.add(outbound, limits, bot_id=unit_bot.id,
                                key=pace_key(CHANNEL, unit_bot.token))
        bots.append(TelegramBot(bot, sender, unit_bot.id, unit_bot.webhook_secret, unit_bot.name))
    return bots


async def start_telegram(app: Host, intake: bool = True, bots: list[TelegramBot] | None = None
                         ) -> asyncio.Task[None] | None:
    """Every bot's sender, and with `intake` their updates (long polling, or one webhook server
    with a path per bot); a worker or scheduler process only sends. None when no Telegram bot is
    configured."""
    settings = app.settings
    if bots is None:
        bots = await add_telegram_senders(app)
    if not bots:
        return None
    if not intake:
        return asyncio.create_task(_sending_only([b.bot for b in bots]), name="telegram")
    storage, isolation = _isolation(settings.redis_url)
    limit = settings.telegram_max_concurrent_updates
    runs: list[Coroutine[Any, Any, None]] = []
    handlers: list[tuple[webhook.CappedRequestHandler, str]] = []
    dispatchers: list[Dispatcher] = []
    for one in bots:
        # A dispatcher per bot: its handlers answer through that bot's sender, and events
        # carry the bot, so the learner is served by the bot they wrote to.
        dp = Dispatcher(storage=storage, events_isolation=isolation)
        dp.include_router(router(app.dialog, one.sender, fetch_photos=settings.llm_vision,
                                 fetch_voices=app.deps.speech is not None))
        dispatchers.append(dp)
        me = await one.bot.get_me()
        if one.bot_id is None and me.username:  # invite links point at the default bot
            app.deps.bot_link = f"https://t.me/{me.username}"
        await register_commands(one.bot)
        label = f"@{me.username}" + (f" (unit bot {one.bot_id})" if one.bot_id else "")
        if settings.telegram_webhook_url:
            url = _unit_url(settings.telegram_webhook_url, one.bot_id)
            handlers.append((webhook.CappedRequestHandler(dp, one.bot, one.secret, limit),
                             _unit_url(settings.telegram_webhook_path, one.bot_id)))
            # max_connections: Telegram opens no more parallel requests than we handle at once.
            await one.bot.set_webhook(url, secret_token=one.secret, max_connections=limit,
                                      allowed_updates=dp.resolve_used_update_types())
            log.info("Telegram bot %s on a webhook at %s", label, url)
        else:
            # One consumer per token: a webhook left from production would refuse getUpdates.
            await one.bot.delete_webhook(drop_pending_updates=False)
            runs.append(polling.poll(dp, one.bot, limit))
            log.info("Telegram bot %s polling", label)
    runs.append(_following_menus(app, {b.bot_id: b.bot for b in bots}))
    if handlers:
        (first, path), *more = handlers
        server = await webhook.serve(first, path, settings.telegram_webhook_host,
                                     settings.telegram_webhook_port, more)
        runs.append(_serving(server))
    return asyncio.create_task(_closing(runs, [b.bot for b in bots], dispatchers[0]),
                               name="telegram")


async def _sending_only(bots: list[Bot]) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        for bot in bots:
            await bot.session.close()


async def _serving(server: web.AppRunner) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        await server.cleanup()


async def _closing(runs: list[Coroutine[Any, Any, None]], bots: list[Bot],
                   dp: Dispatcher) -> None:
    tasks = [asyncio.ensure_future(run) for run in runs]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for bot in bots:
            await bot.session.close()
        await dp.storage.close()  # one storage shared by every bot's dispatcher


async def configured(settings: Settings, store: Store) -> bool:
    """A token in the settings, or units' own Telegram bots stored."""
    return settings.telegram_bot_token is not None or await bots_on(store, CHANNEL)


async def _start(host: Host, intake: bool) -> asyncio.Task[None] | None:
    return await start_telegram(host, intake=intake)


RUNNER = ChannelRunner(CHANNEL, configured, _start)
