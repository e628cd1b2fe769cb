"""The webhook endpoints (aiohttp): check who is calling, store the event, answer at once.

Both answer only after the event is committed to the inbox, so that an acknowledged event is
never lost; the dialog runs later in the inbox worker. HTTPS is terminated in front of this
server (a reverse proxy); Zalo calls HTTPS URLs only.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.channels.zalo.bot_channel import store_update
from bot.channels.zalo.oa_channel import store_event
from bot.channels.zalo.oa_events import signature_ok
from bot.services.inbox import Inbox

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # an event is a few hundred bytes; the rest is someone else's problem
MAX_DEPTH = 32  # an event nests 3-4 levels; 40,000 would overflow the parser's stack
BODY_TIMEOUT = 10.0  # seconds to receive a whole body: a trickling client is cut off
# A signed OA event older (or newer) than this is acknowledged and dropped: a captured
# `user_withdraw` or `follow` cannot be replayed later. Zalo retries within minutes; the inbox
# keeps handled keys longer than this, so a replay inside the window is a duplicate, not new.
OA_EVENT_WINDOW = timedelta(hours=1)
RETRY_AFTER = "5"  # seconds, with a 503 when the inbox cannot write
OA_OK = b'{"error": 0}'  # the stored event's answer, made once
LISTEN_BACKLOG = 4096
BOT_SECRET_HEADER = "X-Bot-Api-Secret-Token"
OA_SIGNATURE_HEADER = "X-ZEvent-Signature"
OA_TIMESTAMP_HEADER = "X-ZEvent-Timestamp"

Route = tuple[str, Callable[[web.Request], Awaitable[web.StreamResponse]]]


def nesting_depth(raw: bytes) -> int:
    """How deep objects and arrays nest, read without parsing (strings and escapes skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x7D, 0x5D):  # } ]
            depth -= 1
    return deepest


def _json(raw: bytes) -> Any:
    # Depth never exceeds the number of opening brackets: an event has a handful, so the scan
    # (a Python loop over every byte) runs only for the rare body with many.
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and nesting_depth(raw) > MAX_DEPTH:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


async def _read(request: web.Request) -> bytes | None:
    """The body within BODY_TIMEOUT (aiohttp already refuses more than MAX_BODY bytes)."""
    try:
        async with asyncio.timeout(BODY_TIMEOUT):  # no extra task per request, as wait_for makes
            return await request.read()
    except TimeoutError:
        return None


def _unavailable() -> web.StreamResponse:
    # The event is not stored: say so, and when to try again. Never a 500.
    return web.json_response({"error": 503}, status=503, headers={"Retry-After": RETRY_AFTER})


def fresh(body: dict[str, Any], header_timestamp: str, now: float) -> bool:
    """The event's own timestamp (milliseconds) lies within OA_EVENT_WINDOW of now."""
    raw = str(body.get("timestamp") or header_timestamp or "").strip()
    if not raw.isdigit() or len(raw) > 16:
        return False
    return abs(now - int(raw) / 1000) <= OA_EVENT_WINDOW.total_seconds()


def bot_route(path: str, inbox: Inbox, secret: str) -> Route:
    async def handle(request: web.Request) -> web.StreamResponse:
        given = request.headers.get(BOT_SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("Zalo bot webhook: wrong or missing secret header; refused")
            return web.json_response({"ok": False}, status=401)
        raw = await _read(request)
        if raw is None:
            return web.json_response({"ok": False}, status=408)
        body = _json(raw)
        if not isinstance(body, dict):
            return web.json_response({"ok": False}, status=400)
        try:
            await store_update(inbox, body)
        except Exception:  # the database is down or full: not stored, so not acknowledged
            log.exception("Zalo bot webhook: could not store the update")
            return _unavailable()
        return web.json_response({"ok": True})

    return path, handle


def oa_route(
    path: str,
    inbox: Inbox,
    app_id: str,
    secret_key: str,
    wall: Callable[[], float] = time.time,
    bot_id: int | None = None,
) -> Route:
    """`bot_id`: a unit's own OA, at its own path with its own app and key."""

    async def handle(request: web.Request) -> web.StreamResponse:
        raw = await _read(request)
        if raw is None:
            return web.json_response({"error": 408}, status=408)
        body = _json(raw)
        if not isinstance(body, dict):
            return web.json_response({"error": 400}, status=400)
        if not signature_ok(
            raw,
            body,
            request.headers.get(OA_SIGNATURE_HEADER, ""),
            request.headers.get(OA_TIMESTAMP_HEADER, ""),
            secret_key,
        ):
            log.warning("Zalo OA webhook: signature mismatch; refused")
            return web.json_response({"error": 401}, status=401)
        if str(body.get("app_id") or "") != app_id:
            log.warning("Zalo OA webhook: an event for another app; refused")
            return web.json_response({"error": 403}, status=403)
        if not fresh(body, request.headers.get(OA_TIMESTAMP_HEADER, ""), wall()):
            # Signed, but not from now: a replay. Acknowledged (so Zalo never counts it as a
            # failure) and dropped.
            log.warning("Zalo OA webhook: an event outside the %s window; dropped", OA_EVENT_WINDOW)
            return web.json_response({"error": 0})
        try:
            await store_event(inbox, body, bot_id)
        except Exception:
            log.exception("Zalo OA webhook: could not store the event")
            return _unavailable()
        return web.Response(body=OA_OK, content_type="application/json")

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
    # A burst of simultaneous calls (a thousand events at 7 a.m.) waits in the listen queue
    # instead of being reset: aiohttp's default backlog is 128.
    await web.TCPSite(runner, host, port, backlog=LISTEN_BACKLOG).start()
    return runner
