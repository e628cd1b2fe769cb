"""Starting the Telegram channel: bot, dispatcher, commands; long polling or a webhook."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
    return [
        BotCommand(command=name, description=description)
        for name, description in ROUTER.menu(Translator(language), actions)
    ]


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
    scope = BotCommandScopeChat(
        chat_id=int(menu.chat_id) if menu.chat_id.lstrip("-").isdigit() else menu.chat_id
    )
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
    per_second = (
        settings.telegram_paid_broadcast_rate
        if settings.telegram_paid_broadcast
        else settings.telegram_rate_per_second
    )
    return Limits(
        per_second=per_second,
        per_chat_interval=settings.telegram_chat_interval,
        reply_reserve=settings.telegram_reply_reserve,
        group_per_minute=settings.telegram_group_per_minute,
    )


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


class TelegramChannel:
    """Every Telegram token this process runs: the default one from settings and every enabled
    unit bot, kept in step with the `bots` table while the process runs (a bot added with
    `hocai bots add` is picked up within HOCAI_BOTS_RELOAD_SECONDS, a removed one stopped), so
    no process needs a restart. Every process that sends (web, worker) has a sender per token;
    only one receives (`intake`: long polling per token, or one webhook server for them all)."""

    def __init__(self, app: Host, intake: bool = True) -> None:
        self.app = app
        self.settings = app.settings
        self.intake = intake
        self.limits = telegram_limits(app.settings)
        self.bots: dict[int | None, TelegramBot] = {}
        self._polls: dict[int | None, asyncio.Task[None]] = {}
        self._hooks: dict[int | None, webhook.CappedRequestHandler] = {}
        self._dispatchers: dict[int | None, Dispatcher] = {}
        self._server: web.AppRunner | None = None
        self._storage: tuple[BaseStorage, BaseEventIsolation] | None = None
        self._menus: asyncio.Task[None] | None = None
        self._bot_map: dict[int | None, Bot] = {}  # live: the menus follow bots added later

    def _add(self, token: str, bot_id: int | None, secret: str, name: str = "") -> TelegramBot:
        bot = make_bot(token, self.settings.telegram_api_base)
        outbound = TelegramOutbound(bot, paid_broadcast=self.settings.telegram_paid_broadcast)
        sender = self.app.sender.add(
            outbound, self.limits, bot_id=bot_id, key=pace_key(CHANNEL, token)
        )
        one = TelegramBot(bot, sender, bot_id, secret, name)
        self.bots[bot_id] = one
        self._bot_map[bot_id] = bot
        return one

    async def load(self) -> list[TelegramBot]:
        """A sender for the default token and every enabled unit bot (no intake yet)."""
        if self.settings.telegram_bot_token is not None and None not in self.bots:
            self._add(
                self.settings.telegram_bot_token.get_secret_value(),
                None,
                webhook_secret(self.settings),
            )
        await self._sync_units(start=False, running=False)
        return list(self.bots.values())

    async def reload(self) -> None:
        """Pick up unit bots added or removed since the last look."""
        await self._sync_units(start=self.intake, running=True)

    async def _sync_units(self, start: bool, running: bool) -> None:
        assert self.app.cipher is not None
        wanted = {c.id: c for c in await enabled_bots(self.app.store, self.app.cipher, CHANNEL)}
        for bot_id in [b for b in self.bots if b is not None and b not in wanted]:
            await self._stop(bot_id)
            log.info("Telegram unit bot %s removed: stopped", bot_id)
        for bot_id, unit_bot in wanted.items():
            if bot_id in self.bots:
                continue
            one = self._add(unit_bot.token, bot_id, unit_bot.webhook_secret, unit_bot.name)
            if start:
                try:
                    await self._start_intake(one)
                except (TelegramAPIError, TelegramNetworkError) as exc:
                    log.warning(
                        "Telegram unit bot %s cannot start (%s); trying again later", bot_id, exc
                    )
                    await self._stop(bot_id)
                    continue
            if running:
                log.info("Telegram unit bot %s added while running", bot_id)

    async def _stop(self, bot_id: int | None) -> None:
        one = self.bots.pop(bot_id, None)
        self._bot_map.pop(bot_id, None)
        self.app.sender.remove(CHANNEL, bot_id)
        self._hooks.pop(bot_id, None)  # its webhook path answers 404 from now on
        self._dispatchers.pop(bot_id, None)
        poll = self._polls.pop(bot_id, None)
        if poll is not None:
            poll.cancel()
            await asyncio.gather(poll, return_exceptions=True)
        if one is not None:
            await one.bot.session.close()

    async def _start_intake(self, one: TelegramBot) -> None:
        settings = self.settings
        if self._storage is None:
            self._storage = _isolation(settings.redis_url)
        storage, isolation = self._storage
        limit = settings.telegram_max_concurrent_updates
        # A dispatcher per bot: its handlers answer through that bot's sender, and events
        # carry the bot, so the learner is served by the bot they wrote to.
        dp = Dispatcher(storage=storage, events_isolation=isolation)
        dp.include_router(
            router(
                self.app.dialog,
                one.sender,
                fetch_photos=settings.llm_vision,
                fetch_voices=self.app.deps.speech is not None,
            )
        )
        me = await one.bot.get_me()
        if one.bot_id is None and me.username:  # invite links point at the default bot
            self.app.deps.bot_link = f"https://t.me/{me.username}"
        await register_commands(one.bot)
        label = f"@{me.username}" + (f" (unit bot {one.bot_id})" if one.bot_id else "")
        self._dispatchers[one.bot_id] = dp
        if settings.telegram_webhook_url:
            url = _unit_url(settings.telegram_webhook_url, one.bot_id)
            self._hooks[one.bot_id] = webhook.CappedRequestHandler(dp, one.bot, one.secret, limit)
            # max_connections: Telegram opens no more parallel requests than we handle at once.
            await one.bot.set_webhook(
                url,
                secret_token=one.secret,
                max_connections=limit,
                allowed_updates=dp.resolve_used_update_types(),
            )
            log.info("Telegram bot %s on a webhook at %s", label, url)
        else:
            # One consumer per token: a webhook left from production would refuse getUpdates.
            await one.bot.delete_webhook(drop_pending_updates=False)
            self._polls[one.bot_id] = asyncio.create_task(
                polling.poll(dp, one.bot, limit), name=f"telegram poll {label}"
            )
            log.info("Telegram bot %s polling", label)

    async def start(self) -> asyncio.Task[None] | None:
        """Start every bot's intake (with `intake`) and the watch on the bots table; None when
        no Telegram bot is configured at all."""
        if not self.bots:
            await self.load()
        if not self.bots:
            return None
        if self.intake:
            for one in list(self.bots.values()):
                await self._start_intake(one)
            self._menus = asyncio.create_task(
                _following_menus(self.app, self._bot_map), name="telegram menus"
            )
            if self.settings.telegram_webhook_url:
                self._server = await webhook.serve_bots(
                    self._hooks,
                    self.settings.telegram_webhook_path,
                    self.settings.telegram_webhook_host,
                    self.settings.telegram_webhook_port,
                )
        return asyncio.create_task(self._run(), name="telegram")

    async def _run(self) -> None:
        try:
            while True:
                await asyncio.sleep(self.settings.bots_reload_seconds)
                try:
                    await self.reload()
                except Exception:  # a database blip: the bots running now go on
                    log.exception("reloading the Telegram bots failed; trying again later")
        finally:
            await self.close()

    async def close(self) -> None:
        polls = list(self._polls.values())
        if self._menus is not None:
            polls.append(self._menus)
            self._menus = None
        for task in polls:
            task.cancel()
        await asyncio.gather(*polls, return_exceptions=True)
        self._polls.clear()
        if self._server is not None:
            await self._server.cleanup()
            self._server = None
        for one in self.bots.values():
            await one.bot.session.close()
        if self._storage is not None:
            await self._storage[0].close()  # one storage shared by every bot's dispatcher
            self._storage = None


async def add_telegram_senders(app: Host) -> list[TelegramBot]:
    """A sender for every Telegram token: the default one from settings and every enabled unit
    bot in the database (once; `TelegramChannel` keeps them in step while running)."""
    return await TelegramChannel(app, intake=False).load()


async def start_telegram(app: Host, intake: bool = True) -> asyncio.Task[None] | None:
    """Every bot's sender, and with `intake` their updates (long polling, or one webhook server
    with a path per bot); a worker or scheduler process only sends. Unit bots added or removed
    later are picked up while running. None when no Telegram bot is configured."""
    return await TelegramChannel(app, intake).start()


async def configured(settings: Settings, store: Store) -> bool:
    """A token in the settings, or units' own Telegram bots stored."""
    return settings.telegram_bot_token is not None or await bots_on(store, CHANNEL)


async def _start(host: Host, intake: bool) -> asyncio.Task[None] | None:
    return await start_telegram(host, intake=intake)


RUNNER = ChannelRunner(CHANNEL, configured, _start)
