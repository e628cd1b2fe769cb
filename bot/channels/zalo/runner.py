"""Starting the Zalo channels: clients, senders, the inbox worker, polling or the webhooks.

Everything runs in one supervised task. A component that fails is logged and started again
after a pause, so a Zalo outage never stops Telegram or the scheduler in the same process; only
a refused bot token stops the Bot Platform for good (a person must fix the setting).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from aiohttp import web

from bot.channels.zalo import webhooks
from bot.channels.zalo.bot_api import ZaloBotApi, quiet_http_logs
from bot.channels.zalo.bot_channel import BotHandler, ZaloBotOutbound, poll
from bot.channels.zalo.bot_updates import CHANNEL as BOT
from bot.channels.zalo.errors import ZaloAuthError, ZaloError
from bot.channels.zalo.oa_api import ZaloOAApi
from bot.channels.zalo.oa_channel import OAHandler, ZaloOAOutbound, inbox_channel
from bot.channels.zalo.oa_events import CHANNEL as OA
from bot.channels.zalo.oa_tokens import OATokens
from bot.config import Settings
from bot.host import ChannelRunner
from bot.services.bots import OACredentials, bots_on, enabled_bots, pace_key
from bot.services.inbox import Inbox
from bot.services.ports import Store
from bot.services.quota import MonthlyQuota
from bot.services.sender import Limits

if TYPE_CHECKING:
    from bot.host import Host

log = logging.getLogger(__name__)

RESTART_AFTER = (1.0, 5.0, 15.0, 60.0)


def bot_webhook_secret(settings: Settings) -> str:
    """The configured secret, or one derived from the token (stable across restarts and the
    same in every worker behind a load balancer)."""
    if settings.zalo_bot_webhook_secret is not None:
        return settings.zalo_bot_webhook_secret.get_secret_value()
    assert settings.zalo_bot_token is not None
    key = settings.zalo_bot_token.get_secret_value().encode()
    return hmac.new(key, b"hocai zalo webhook", hashlib.sha256).hexdigest()[:48]


def bot_limits(settings: Settings) -> Limits:
    return Limits(
        per_second=settings.zalo_bot_rate_per_second,
        per_chat_interval=settings.zalo_bot_chat_interval,
    )


def oa_limits(settings: Settings) -> Limits:
    return Limits(
        per_second=settings.zalo_oa_rate_per_second,
        per_chat_interval=settings.zalo_oa_chat_interval,
    )


async def _keep_running(name: str, start: Callable[[], Awaitable[None]]) -> None:
    failures = 0
    while True:
        try:
            await start()
            return
        except asyncio.CancelledError:
            raise
        except ZaloAuthError as exc:
            log.error("%s stopped: %s", name, exc)
            return
        except Exception:
            pause = RESTART_AFTER[min(failures, len(RESTART_AFTER) - 1)]
            failures += 1
            log.exception("%s failed; starting it again in %.0fs", name, pause)
            await asyncio.sleep(pause)


@dataclass
class _UnitOA:
    """A unit's OA running here: its webhook handler (web process only) and token refresh."""

    route: Callable[[web.Request], Awaitable[web.StreamResponse]] | None
    refresh: asyncio.Task[None]


class ZaloChannels:
    """The running Zalo channels of one process."""

    def __init__(
        self, app: Host, http: httpx.AsyncClient | None = None, intake: bool = True
    ) -> None:
        self.app = app
        self.intake = intake  # False: a worker or scheduler process only sends
        self.settings = app.settings
        self.http = http or httpx.AsyncClient(timeout=15.0)
        self.inbox = Inbox(app.store, app.deps.clock)
        self.jobs: dict[str, Callable[[], Awaitable[None]]] = {}
        self.routes: list[webhooks.Route] = []
        self.bot_api: ZaloBotApi | None = None
        self.tokens: OATokens | None = None
        self.web: web.AppRunner | None = None
        self.port: int | None = None
        self._unit_oas: dict[int, _UnitOA] = {}

    @property
    def max_photo_bytes(self) -> int:
        return int(self.settings.zalo_photo_max_mb * 1024 * 1024)

    async def setup_bot(self) -> None:
        s = self.settings
        assert s.zalo_bot_token is not None
        api = self.bot_api = ZaloBotApi(
            s.zalo_bot_token.get_secret_value(), s.zalo_bot_api_base, self.http
        )
        quota = MonthlyQuota(
            self.app.store, BOT, s.zalo_bot_monthly_quota, s.timezone, self.app.deps.clock
        )
        self.app.sender.add(ZaloBotOutbound(api, quota), bot_limits(s))
        self.inbox.on(
            BOT, BotHandler(self.app.dialog, self.app.sender, self.http, self.max_photo_bytes)
        )
        try:
            me = await api.get_me()
            log.info("Zalo bot %s ready", me.get("account_name") or me.get("display_name") or "")
        except ZaloAuthError:
            raise  # a wrong token: say so at start, as Telegram does
        except ZaloError as exc:
            log.warning("Zalo Bot Platform unreachable at start (%s); will keep trying", exc)
        if not self.intake:
            return
        if s.zalo_bot_webhook_url:
            secret = bot_webhook_secret(s)
            self.routes.append(webhooks.bot_route(s.zalo_bot_webhook_path, self.inbox, secret))

            async def register() -> None:
                await api.set_webhook(str(s.zalo_bot_webhook_url), secret)
                log.info("Zalo bot webhook set to %s", s.zalo_bot_webhook_url)

            self.jobs["zalo bot webhook registration"] = register
        else:

            async def polling() -> None:
                try:  # one consumer per token: polling and a webhook exclude each other
                    await api.delete_webhook()
                except ZaloError as exc:
                    log.info("deleteWebhook: %s", exc)
                log.info("Zalo bot long polling")
                await poll(api, self.inbox, s.zalo_bot_poll_timeout)

            self.jobs["zalo bot polling"] = polling

    async def setup_oa(self) -> None:
        s = self.settings
        assert s.zalo_oa_app_id and s.zalo_oa_secret_key and s.zalo_oa_refresh_token
        secret = s.zalo_oa_secret_key.get_secret_value()
        tokens = self.tokens = OATokens(
            self.app.store,
            s.zalo_oa_app_id,
            secret,
            self.http,
            s.zalo_oa_oauth_url,
            self.app.deps.clock,
        )
        access = s.zalo_oa_access_token.get_secret_value() if s.zalo_oa_access_token else None
        await tokens.seed(access, s.zalo_oa_refresh_token.get_secret_value())
        api = ZaloOAApi(tokens, s.zalo_oa_api_base, self.http)
        self.app.sender.add(
            ZaloOAOutbound(api, s.zalo_oa_button_action, s.zalo_oa_max_buttons), oa_limits(s)
        )
        self.jobs["zalo OA token refresh"] = tokens.keep_fresh
        if not self.intake:
            return
        self.inbox.on(
            OA,
            OAHandler(
                self.app.dialog, self.app.sender, self.http, self.inbox, self.max_photo_bytes
            ),
        )
        signing = (s.zalo_oa_webhook_secret_key or s.zalo_oa_secret_key).get_secret_value()
        self.routes.append(
            webhooks.oa_route(s.zalo_oa_webhook_path, self.inbox, s.zalo_oa_app_id, signing)
        )

    async def setup_unit_oas(self) -> int:
        """Every unit's own Official Account: its tokens, sender (its own pace), inbox channel,
        webhook at `<ZALO_OA_WEBHOOK_PATH>/<bot id>` and token refresh. Returns how many. Units'
        OAs added or removed later are picked up while running (`reload_unit_oas`)."""
        if self.intake:
            self.routes.append(self._unit_oa_route())
        await self.reload_unit_oas()
        self.jobs["zalo unit OAs watch"] = self._watch_unit_oas
        return len(self._unit_oas)

    def _unit_oa_route(self) -> webhooks.Route:
        """One route for every unit's OA, looked up on each call: an OA added while running is
        served at once, one removed answers 404."""
        path = f"{self.settings.zalo_oa_webhook_path.rstrip('/')}/{{bot_id:\\d{{1,12}}}}"

        async def handle(request: web.Request) -> web.StreamResponse:
            found = self._unit_oas.get(int(request.match_info["bot_id"]))
            if found is None or found.route is None:
                return web.json_response({"error": 404}, status=404)
            return await found.route(request)

        return path, handle

    async def reload_unit_oas(self) -> None:
        s, app = self.settings, self.app
        assert app.cipher is not None
        wanted = {b.id: b for b in await enabled_bots(app.store, app.cipher, OA)}
        for bot_id in [b for b in self._unit_oas if b not in wanted]:
            gone = self._unit_oas.pop(bot_id)
            app.sender.remove(OA, bot_id)
            gone.refresh.cancel()
            log.info("Zalo OA of unit bot %s removed: stopped", bot_id)
        for bot_id, unit_oa in wanted.items():
            if bot_id in self._unit_oas:
                continue
            creds = OACredentials.from_token(unit_oa.token)
            tokens = OATokens(
                app.store,
                creds.app_id,
                creds.secret_key,
                self.http,
                s.zalo_oa_oauth_url,
                app.deps.clock,
            )
            await tokens.seed(creds.access_token, creds.refresh_token)
            api = ZaloOAApi(tokens, s.zalo_oa_api_base, self.http)
            app.sender.add(
                ZaloOAOutbound(api, s.zalo_oa_button_action, s.zalo_oa_max_buttons),
                oa_limits(s),
                bot_id=bot_id,
                key=pace_key(OA, creds.app_id),
            )
            route = None
            if self.intake:  # a worker or scheduler process only sends
                self.inbox.on(
                    inbox_channel(bot_id),
                    OAHandler(
                        app.dialog,
                        app.sender,
                        self.http,
                        self.inbox,
                        self.max_photo_bytes,
                        bot_id=bot_id,
                    ),
                )
                _, route = webhooks.oa_route(
                    f"{s.zalo_oa_webhook_path.rstrip('/')}/{bot_id}",
                    self.inbox,
                    creds.app_id,
                    creds.webhook_secret_key or creds.secret_key,
                    bot_id=bot_id,
                )
            refresh = asyncio.create_task(
                _keep_running(f"zalo OA {bot_id} token refresh", tokens.keep_fresh),
                name=f"zalo OA {bot_id} token refresh",
            )
            self._unit_oas[bot_id] = _UnitOA(route, refresh)
            log.info("Zalo OA of unit bot %s (%s) ready", bot_id, unit_oa.name)

    async def _watch_unit_oas(self) -> None:
        while True:
            await asyncio.sleep(self.settings.bots_reload_seconds)
            try:
                await self.reload_unit_oas()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database blip: the OAs running now go on
                log.exception("reloading the units' Zalo OAs failed; trying again later")

    async def start(self) -> asyncio.Task[None]:
        quiet_http_logs()
        if self.settings.zalo_bot_configured:
            await self.setup_bot()
        if self.settings.zalo_oa_configured:
            await self.setup_oa()
        await self.setup_unit_oas()
        if self.routes:
            s = self.settings
            self.web = await webhooks.serve(self.routes, s.zalo_webhook_host, s.zalo_webhook_port)
            self.port = self.web.addresses[0][1] if self.web.addresses else None
            log.info("Zalo webhooks listening on %s:%s", s.zalo_webhook_host, self.port)
        if self.intake:
            self.jobs["zalo inbox worker"] = self.inbox.run
        return asyncio.create_task(self._run(), name="zalo")

    async def _run(self) -> None:
        tasks = [
            asyncio.create_task(_keep_running(name, job), name=name)
            for name, job in self.jobs.items()
        ]
        try:
            await asyncio.gather(*tasks)
            await asyncio.Event().wait()  # the webhooks keep serving when the jobs are done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.close()

    async def close(self) -> None:
        refreshes = [one.refresh for one in self._unit_oas.values()]
        for task in refreshes:
            task.cancel()
        await asyncio.gather(*refreshes, return_exceptions=True)
        self._unit_oas.clear()
        if self.web is not None:
            await self.web.cleanup()
            self.web = None
        await self.http.aclose()


async def start_zalo(app: Host, intake: bool = True) -> asyncio.Task[None]:
    return await ZaloChannels(app, intake=intake).start()


async def configured(settings: Settings, store: Store) -> bool:
    """The Bot Platform or an Official Account in the settings, or units' own OAs stored."""
    return settings.zalo_bot_configured or settings.zalo_oa_configured or await bots_on(store, OA)


async def _start(host: Host, intake: bool) -> asyncio.Task[None] | None:
    return await start_zalo(host, intake=intake)


RUNNER = ChannelRunner("zalo", configured, _start)
