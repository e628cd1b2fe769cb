"""A small fake Telegram Bot API server on 127.0.0.1, for tests and the delivery benchmark.

It serves queued updates to getUpdates, records every sent message, and can enforce the real
limits: N messages a second per bot token (answering 429 with retry_after) and 403 for chats
that "blocked the bot". Several tokens share one server: each is its own bot (its own
username, updates, 1-second window and record of sends).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback import serve

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Học AI", "username": "hocai_test_bot"}


@dataclass
class Sent:
    method: str
    chat_id: str
    text: str
    reply_markup: Any = None
    at: float = 0.0
    token: str = ""


@dataclass
class FakeTelegram:
    rate_per_second: float | None = None  # None: no limit
    retry_after: int = 1
    blocked: set[str] = field(default_factory=set)
    missing_methods: set[str] = field(default_factory=set)
    sent: list[Sent] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    too_many: int = 0
    too_many_by_token: dict[str, int] = field(default_factory=dict)
    sent_by_token: dict[str, int] = field(default_factory=dict)
    record_sent: bool = True  # False: only count (a benchmark's hundred thousand sends)
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> bytes, for getFile
    uploads: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # files sent, whole
    offsets: list[int] = field(default_factory=list)  # getUpdates' offsets (acknowledgements)
    on_offset: Any = None  # called with each getUpdates offset, before it drops updates
    webhooks: list[dict[str, Any]] = field(default_factory=list)  # setWebhook's parameters
    # setMyCommands / deleteMyCommands: (token, scope, language) -> the command names listed;
    # scope "default" or "chat:<id>", language "" when none was given.
    menus: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _next_update: int = 1
    _next_message: int = 1
    _windows: dict[str, deque[float]] = field(default_factory=dict)
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    base: str = ""

    # ---- building updates ----------------------------------------------------------------

    def _user(self, user_id: int, name: str = "Nguyễn Văn An") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "vi"}

    def push(self, update: dict[str, Any], token: str | None = None) -> int:
        """Queue an update; with `token`, only that bot receives it (else whichever polls)."""
        update_id = update.setdefault("update_id", self._next_update)
        self._next_update = max(self._next_update, update_id) + 1
        if token is not None:
            update["_token"] = token
        self._updates.append(update)
        self._new_update.set()
        return update_id

    def message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_type: str = "private",
        chat_id: int | None = None,
        token: str | None = None,
        **extra: Any,
    ) -> int:
        msg: dict[str, Any] = {
            "message_id": self._next_message,
            "date": int(time.time()),
            "chat": {"id": chat_id or user_id, "type": chat_type},
            "from": self._user(user_id),
        }
        if chat_type != "private":
            msg["chat"]["title"] = "Nhóm tổ dân phố"
        self._next_message += 1
        if text is not None:
            msg["text"] = text
        msg.update(extra)
        return self.push({"message": msg}, token)

    def tap(self, user_id: int, data: str, token: str | None = None) -> int:
        return self.push(
            {
                "callback_query": {
                    "id": str(self._next_update),
                    "from": self._user(user_id),
                    "chat_instance": "x",
                    "data": data,
                    "message": {
                        "message_id": 1,
                        "date": int(time.time()),
                        "chat": {"id": user_id, "type": "private"},
                        "text": "...",
                    },
                }
            },
            token,
        )

    # ---- reading what the bot sent -------------------------------------------------------

    def to(self, chat_id: int | str, token: str | None = None) -> list[Sent]:
        return [
            s
            for s in self.sent
            if s.chat_id == str(chat_id) and (token is None or s.token == token)
        ]

    def last_options(self, chat_id: int | str) -> list[tuple[str, str]]:
        for s in reversed(self.to(chat_id)):
            if s.reply_markup:
                rows = s.reply_markup.get("inline_keyboard", [])
                return [(b["text"], b["callback_data"]) for row in rows for b in row]
        return []

    async def wait_for(self, chat_id: int | str, count: int, timeout: float = 10.0) -> list[Sent]:
        """Wait until the chat has received at least `count` messages in all."""
        deadline = time.monotonic() + timeout
        while len(self.to(chat_id)) < count:
            if time.monotonic() > deadline:
                texts = [s.text[:80] for s in self.to(chat_id)]
                raise AssertionError(f"chat {chat_id} got {len(texts)} < {count}: {texts}")
            await asyncio.sleep(0.02)
        return self.to(chat_id)

    async def wait_text(
        self, chat_id: int | str, needle: str, start: int = 0, timeout: float = 10.0
    ) -> list[Sent]:
        """Wait until a message containing `needle` reaches the chat; returns those since start."""
        deadline = time.monotonic() + timeout
        while not any(needle in s.text for s in self.to(chat_id)[start:]):
            if time.monotonic() > deadline:
                texts = [s.text[:80] for s in self.to(chat_id)[start:]]
                raise AssertionError(f"chat {chat_id} never got {needle!r}: {texts}")
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)  # let the rest of the same answer arrive
        return self.to(chat_id)[start:]

    # ---- the server ----------------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner, self.base = await serve(app, port)
        return self.base

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].removeprefix("photos/").removesuffix(".jpg")
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="image/jpeg")

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        params: dict[str, Any] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:
                    content = bytes(await part.read())
                    params[part.name] = {
                        "filename": part.filename,
                        "size": len(content),
                        "content": content,
                    }
                else:
                    params[part.name] = await part.text()
            for name, value in list(params.items()):  # aiogram names a file "attach://<part>"
                if isinstance(value, str) and value.startswith("attach://"):
                    params[name] = params.get(value.removeprefix("attach://"), value)
            return params
        return dict(await request.post())

    def _over_limit(self, token: str) -> bool:
        """Telegram counts each bot's sends in a sliding second."""
        if self.rate_per_second is None:
            return False
        window = self._windows.setdefault(token, deque())
        now = time.monotonic()
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.rate_per_second:
            return True
        window.append(now)
        return False

    @staticmethod
    def bot_user(token: str) -> dict[str, Any]:
        """getMe: the bot a token belongs to; tokens other than the tests' default get their
        own id and username from the number before the colon."""
        number = token.split(":", 1)[0]
        if not number.isdigit() or number == "123456":
            return BOT_USER
        return {**BOT_USER, "id": int(number), "username": f"unit{number}_bot"}

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.match_info["token"]
        self.calls.append(method)
        params = await self._params(request)
        if method in self.missing_methods:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        if method == "getFile":
            file_id = str(params.get("file_id"))
            return self._ok(
                {
                    "file_id": file_id,
                    "file_unique_id": f"u-{file_id}",
                    "file_size": len(self.files.get(file_id, b"")),
                    "file_path": f"photos/{file_id}.jpg",
                }
            )
        if method == "getMe":
            return self._ok(self.bot_user(token))
        if method == "getUpdates":
            return await self._get_updates(params, token)
        if method in ("sendMessage", "sendDocument", "sendPhoto", "sendVoice", "sendAudio"):
            return self._send(method, params, token)
        if method in ("setMyCommands", "deleteMyCommands"):
            self._menu(method, params, token)
        if method == "setWebhook":
            self.webhooks.append(params)
        if method == "deleteWebhook":
            self.webhooks.append({"deleted": True, **params})
        return self._ok(True)

    def _menu(self, method: str, params: dict[str, Any], token: str) -> None:
        def parsed(value: Any) -> Any:
            return json.loads(value) if isinstance(value, str) else value

        scope = parsed(params.get("scope")) or {"type": "default"}
        name = f"chat:{scope['chat_id']}" if scope.get("type") == "chat" else scope["type"]
        key = (token, name, str(params.get("language_code") or ""))
        if method == "deleteMyCommands":
            self.menus.pop(key, None)
        else:
            self.menus[key] = [c["command"] for c in parsed(params.get("commands")) or []]

    def menu(self, chat: str = "default", token: str = "", language: str = "") -> list[str] | None:
        """The commands listed in that scope (None: none set, Telegram falls back)."""
        for (tok, scope, lang), names in self.menus.items():
            if scope == chat and lang == language and token in ("", tok):
                return names
        return None

    def _ok(self, result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def _mine(self, update: dict[str, Any], token: str) -> bool:
        return update.get("_token") in (None, token)

    async def _get_updates(self, params: dict[str, Any], token: str) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        self.offsets.append(offset)
        if self.on_offset is not None:
            self.on_offset(offset)
        # The offset acknowledges this bot's updates only.
        self._updates = [
            u for u in self._updates if not self._mine(u, token) or u["update_id"] >= offset
        ]
        if not any(self._mine(u, token) for u in self._updates) and timeout:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), min(timeout, 1.0))
            except TimeoutError:
                pass
        mine = [
            {k: v for k, v in u.items() if k != "_token"}
            for u in self._updates
            if self._mine(u, token)
        ]
        return self._ok(mine[:100])

    def _send(self, method: str, params: dict[str, Any], token: str = "") -> web.Response:
        chat_id = str(params.get("chat_id"))
        if self._over_limit(token):
            self.too_many += 1
            self.too_many_by_token[token] = self.too_many_by_token.get(token, 0) + 1
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {self.retry_after}",
                    "parameters": {"retry_after": self.retry_after},
                },
                status=429,
            )
        if chat_id in self.blocked:
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
                status=403,
            )
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        text = params.get("text") or params.get("caption") or ""
        if method in ("sendDocument", "sendPhoto", "sendVoice", "sendAudio"):
            self.uploads.append((method, params))
        self.sent_by_token[token] = self.sent_by_token.get(token, 0) + 1
        if self.record_sent:
            self.sent.append(Sent(method, chat_id, str(text), markup, time.monotonic(), token))
        message_id = self._next_message
        self._next_message += 1
        result: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else 0, "type": "private"},
        }
        if method == "sendMessage":
            result["text"] = text
        if method == "sendDocument":
            doc = params.get("document") or {}
            result["document"] = {
                "file_id": "doc1",
                "file_unique_id": "u1",
                "file_name": doc.get("filename", "f"),
            }
        if method == "sendPhoto":
            result["photo"] = [
                {"file_id": "photo1", "file_unique_id": "up1", "width": 330, "height": 330}
            ]
        if method == "sendVoice":
            result["voice"] = {"file_id": "voice1", "file_unique_id": "uv1", "duration": 1}
        if method == "sendAudio":
            result["audio"] = {"file_id": "audio1", "file_unique_id": "ua1", "duration": 1}
        return self._ok(result)
