"""A fake Zalo Bot Platform on 127.0.0.1 that speaks the documented JSON.

`getUpdates` hands out ONE update per call (no update_id, no offset) or answers HTTP 408 when
idle; `sendMessage` refuses texts over 2,000 characters; failures can be queued for the next
calls (HTTP 200 with `ok: false`, 429, 500...); chats can block the bot (403). Photos are served
from /files/<name>.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.zalo_common import LoopbackServer, wait_until

TOKEN = "1234567890:zalo-test-token-for-the-fake-bot-platform"


@dataclass
class Sent:
    method: str
    chat_id: str
    text: str
    at: float = 0.0
    photo: str = ""  # sendPhoto's picture address


@dataclass
class FakeZaloBot(LoopbackServer):
    token: str = TOKEN
    idle_wait: float = 0.3  # how long an idle long poll waits before its 408
    blocked: set[str] = field(default_factory=set)
    sent: list[Sent] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    failures: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    down: bool = False  # every send answers 503: an outage
    webhook: dict[str, str] | None = None
    _updates: deque[dict[str, Any]] = field(default_factory=deque)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _new: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        LoopbackServer.__init__(self)

    # ---- building updates ----------------------------------------------------------------

    def update(
        self,
        user: str,
        event_name: str,
        chat_type: str = "PRIVATE",
        message_id: str | None = None,
        **message: Any,
    ) -> dict[str, Any]:
        body = {
            "event_name": event_name,
            "message": {
                "from": {"id": user, "display_name": "Lò Thị Mai", "is_bot": False},
                "chat": {
                    "id": user if chat_type == "PRIVATE" else f"g{user}",
                    "chat_type": chat_type,
                },
                "message_id": message_id or f"m{next(self._ids):06d}",
                "date": int(time.time() * 1000),
                **message,
            },
        }
        return body

    def text(self, user: str, text: str, **kw: Any) -> dict[str, Any]:
        return self.push(self.update(user, "message.text.received", text=text, **kw))

    def image(
        self, user: str, url: str, caption: str = "", field_name: str = "photo_url"
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {field_name: url}
        if caption:
            extra["caption"] = caption
        return self.push(self.update(user, "message.image.received", **extra))

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        self._updates.append(update)
        self._new.set()
        return update

    async def deliver(
        self, url: str, update: dict[str, Any], secret: str | None, wrapped: bool = True
    ) -> int:
        """POST an update to a webhook as Zalo would; returns the HTTP status."""
        body = {"ok": True, "result": update} if wrapped else update
        headers = {"X-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=body, headers=headers) as resp,
        ):
            return resp.status

    # ---- reading what the bot sent -------------------------------------------------------

    def to(self, chat_id: str) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def texts(self, chat_id: str, start: int = 0) -> str:
        return "\n".join(s.text for s in self.to(chat_id)[start:])

    async def wait_text(
        self, chat_id: str, needle: str, start: int = 0, timeout: float = 10.0
    ) -> str:
        await wait_until(
            lambda: needle in self.texts(chat_id, start),
            lambda: f"{chat_id} never got {needle!r}: {self.texts(chat_id, start)}",
            timeout,
        )
        await asyncio.sleep(0.05)  # let the rest of the same answer arrive
        return self.texts(chat_id, start)

    # ---- the server ----------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._handle)

    @staticmethod
    def _error(status: int, code: int, description: str) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": code, "description": description}, status=status
        )

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        if request.match_info["token"] != self.token:
            return self._error(401, 401, "Unauthorized")
        params = await request.json() if request.can_read_body else {}
        if method == "getMe":
            return web.json_response(
                {
                    "ok": True,
                    "result": {
                        "id": "bot1",
                        "account_name": "bot.hocai",
                        "account_type": "BASIC",
                        "can_join_groups": False,
                    },
                }
            )
        if method == "getUpdates":
            return await self._get_updates(float(params.get("timeout") or 0))
        if method == "setWebhook":
            secret = str(params.get("secret_token") or "")
            if not 8 <= len(secret) <= 256 or not str(params.get("url", "")).startswith("http"):
                return self._error(400, 400, "Bad Request")
            self.webhook = {"url": params["url"], "secret_token": secret}
            return web.json_response({"ok": True, "result": {"url": params["url"]}})
        if method == "deleteWebhook":
            self.webhook = None
            return web.json_response({"ok": True, "result": True})
        if method == "getWebhookInfo":
            if self.webhook is None:
                return self._error(404, 404, "Not Found")
            return web.json_response({"ok": True, "result": {"url": self.webhook["url"]}})
        if method in ("sendMessage", "sendPhoto", "sendChatAction", "sendSticker"):
            return self._send(method, params)
        return self._error(404, 404, "Not Found")

    async def _get_updates(self, timeout: float) -> web.Response:
        if not self._updates and timeout:
            self._new.clear()
            try:
                await asyncio.wait_for(self._new.wait(), min(timeout, self.idle_wait))
            except TimeoutError:
                pass
        if not self._updates:
            return self._error(408, 408, "Request timeout")
        return web.json_response({"ok": True, "result": self._updates.popleft()})

    def _send(self, method: str, params: dict[str, Any]) -> web.Response:
        if self.down:
            return self._error(503, 503, "Service Unavailable")
        if self.failures:
            status, body = self.failures.popleft()
            return web.json_response(body, status=status)
        chat_id = str(params.get("chat_id") or "")
        if chat_id in self.blocked:
            return self._error(403, 403, "Forbidden")
        text = str(params.get("text") or params.get("caption") or "")
        if method == "sendMessage" and not 1 <= len(text) <= 2000:
            return self._error(400, 400, "Bad Request: text must be 1-2000 characters")
        self.sent.append(
            Sent(method, chat_id, text, time.monotonic(), str(params.get("photo") or ""))
        )
        return web.json_response(
            {
                "ok": True,
                "result": {"message_id": f"out{len(self.sent)}", "date": int(time.time() * 1000)},
            }
        )
