"""The webhook endpoints (aiohttp): check who is calling, store the event, answer at once.

Both answer only after the event is committed to the inbox, so that an acknowledged event is
never lost; the dialog runs later in the inbox worker. HTTPS is terminated in front of this
server (a reverse proxy); Zalo calls HTTPS URLs only.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.channels.zalo.bot_channel import store_update
from bot.channels.zalo.oa_channel import store_event
from bot.channels.zalo.oa_events import signature_ok
from bot.services.inbox import Inbox

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # an event is a few hundred bytes; the rest is someone else's problem
BOT_SECRET_HEADER = "X-Bot-Api-Secret-Token"
OA_SIGNATURE_HEADER = "X-ZEvent-Signature"
OA_TIMESTAMP_HEADER = "X-ZEvent-Timestamp"

Route = tuple[str, Callable[[web.Request], Awaitable[web.StreamResponse]]]


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def bot_route(path: str, inbox: Inbox, secret: str) -> Route:
    async def handle(request: web.Request) -> web.StreamResponse:
        given = request.headers.get(BOT_SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("Zalo bot webhook: wrong or missing secret header; refused")
            return web.json_response({"ok": False}, status=401)
        body = _json(await request.read())
        if not isinstance(body, dict):
            return web.json_response({"ok": False}, status=400)
        await store_update(inbox, body)  # a database error answers 500: Zalo may send again
        return web.json_response({"ok": True})

    return path, handle


def oa_route(path: str, inbox: Inbox, app_id: str, secret_key: str) -> Route:
    async def handle(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = _json(raw)
        if not isinstance(body, dict):
            return web.json_response({"error": 400}, status=400)
        if not signature_ok(raw, body, request.headers.get(OA_SIGNATURE_HEADER, ""),
                            request.headers.get(OA_TIMESTAMP_HEADER, ""), secret_key):
            log.warning("Zalo OA webhook: signature mismatch; refused")
            return web.json_response({"error": 401}, status=401)
        if str(body.get("app_id") or "") != app_id:
            log.warning("Zalo OA webhook: an event for another app; refused")
            return web.json_response({"error": 403}, status=403)
        await store_event(inbox, body)
        return web.json_response({"error": 0})

    return path, handle


def web_app(routes: list[Route]) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    for path, handler in routes:
        app.router.add_post(path, handler)

    async def health(request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": True})

    app.router.add_get("/healthz", health)
    return app


async def serve(routes: list[Route], host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(web_app(routes), access_log=None)  # URLs in logs: no secrets there
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
