"""Webhook mode (production): Telegram POSTs each update; we answer 200 only once it is handled.

aiogram's `SimpleRequestHandler` checks `X-Telegram-Bot-Api-Secret-Token` (401 otherwise) and,
with `handle_in_background=False`, answers after the handler has run, so a 200 means handled.
On top, the same cap as polling: at most `limit` updates in hand; a request that finds no room
within QUEUE_SECONDS gets 503 with Retry-After, so Telegram sends it again later instead of
us losing it. HTTPS is terminated in front of this server (a reverse proxy).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Mapping, Sequence

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # an update is a few kilobytes
QUEUE_SECONDS = 10.0  # Telegram waits about 60 s for an answer; we give a place up much sooner
RETRY_AFTER = "5"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def derived_secret(token: str) -> str:
    """A secret derived from the token: stable across restarts and the same in every worker."""
    return hmac.new(token.encode(), b"hocai telegram webhook", hashlib.sha256).hexdigest()[:48]


class CappedRequestHandler(SimpleRequestHandler):
    """`SimpleRequestHandler` that handles at most `limit` updates at once."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        secret_token: str,
        limit: int,
        queue_seconds: float = QUEUE_SECONDS,
    ) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token)
        self.gate = asyncio.Semaphore(limit)
        self.queue_seconds = queue_seconds

    async def handle(self, request: web.Request) -> web.Response:
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), self.bot):
            log.warning("Telegram webhook: wrong or missing secret header; refused")
            return web.Response(body="Unauthorized", status=401)
        try:
            await asyncio.wait_for(self.gate.acquire(), self.queue_seconds)
        except TimeoutError:
            # Not taken, so not acknowledged: Telegram delivers it again later.
            return web.Response(status=503, headers={"Retry-After": RETRY_AFTER})
        try:
            return await super().handle(request)
        finally:
            self.gate.release()

    async def close(self) -> None:
        pass  # the bot session is closed by the channel, not by the web server


def web_app(
    handler: CappedRequestHandler, path: str, more: Sequence[tuple[CappedRequestHandler, str]] = ()
) -> web.Application:
    """One server for every bot: the default bot at `path`, each unit's bot at its own path."""
    app = web.Application(client_max_size=MAX_BODY)
    for one, where in [(handler, path), *more]:
        one.register(app, path=where)

    async def health(request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": True})

    app.router.add_get("/healthz", health)
    return app


async def serve(
    handler: CappedRequestHandler,
    path: str,
    host: str,
    port: int,
    more: Sequence[tuple[CappedRequestHandler, str]] = (),
) -> web.AppRunner:
    runner = web.AppRunner(web_app(handler, path, more), access_log=None)  # no secrets in logs
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def bots_app(hooks: Mapping[int | None, CappedRequestHandler], path: str) -> web.Application:
    """One server for a changing set of bots: the default bot (key None) at `path`, each unit's
    bot at `path/<bot id>`, looked up on each request, so that a bot added while the process
    runs is served at once and a removed one answers 404."""
    app = web.Application(client_max_size=MAX_BODY)

    async def route(request: web.Request) -> web.StreamResponse:
        raw = request.match_info.get("bot_id")
        hook = hooks.get(int(raw) if raw is not None else None)
        if hook is None:
            return web.Response(status=404)
        return await hook.handle(request)

    async def health(request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": True})

    app.router.add_post(path, route)
    app.router.add_post(path.rstrip("/") + r"/{bot_id:\d{1,12}}", route)
    app.router.add_get("/healthz", health)
    return app


async def serve_bots(
    hooks: Mapping[int | None, CappedRequestHandler], path: str, host: str, port: int
) -> web.AppRunner:
    runner = web.AppRunner(bots_app(hooks, path), access_log=None)  # no secrets in logs
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
