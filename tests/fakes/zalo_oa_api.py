"""A fake Zalo Official Account API v3 and OAuth v4 server on 127.0.0.1.

- POST /v3.0/oa/message/cs with the `access_token` header: answers `{"error": 0, "data": ...}`,
  -216 for an unknown or expired access token, -230 for users outside the 7-day window, or a
  queued failure. Replies by `message_id` are matched to the user who sent that message.
- POST /v4/oa/access_token (form, `secret_key` header): trades a refresh token for a new pair
  ONCE; a second use of the same refresh token fails and marks the OA as burned.
- Webhook events are built here and delivered signed, as Zalo does.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.zalo_common import LoopbackServer, wait_until

APP_ID = "4321987654321"
SECRET_KEY = "oa-secret-key-for-tests"


@dataclass
class SentOA:
    user_id: str
    text: str
    buttons: list[dict[str, Any]]
    by_message_id: bool
    access_token: str


@dataclass
class FakeZaloOA(LoopbackServer):
    app_id: str = APP_ID
    secret_key: str = SECRET_KEY
    access_tokens: set[str] = field(default_factory=lambda: {"A0"})
    refresh_token: str = "R0"
    used_refresh: set[str] = field(default_factory=set)
    oauth_calls: list[str] = field(default_factory=list)
    oauth_delay: float = 0.0
    burned: bool = False
    outside_window: set[str] = field(default_factory=set)
    failures: deque[dict[str, Any]] = field(default_factory=deque)
    sent: list[SentOA] = field(default_factory=list)
    before_send: Callable[[str], Awaitable[None]] | None = None  # sees the access token used
    _msg_users: dict[str, str] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _generation: int = 0

    def __post_init__(self) -> None:
        LoopbackServer.__init__(self)

    # ---- events, as Zalo posts them to the webhook ---------------------------------------

    def event(
        self, user: str, event_name: str, message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "app_id": self.app_id,
            "event_name": event_name,
            "sender": {"id": user},
            "recipient": {"id": "oa1"},
            "timestamp": str(int(time.time() * 1000) + next(self._ids)),
        }
        if message is not None:
            msg_id = f"z{next(self._ids):08d}"
            self._msg_users[msg_id] = user
            body["message"] = {"msg_id": msg_id, **message}
        return body

    def text(self, user: str, text: str) -> dict[str, Any]:
        return self.event(user, "user_send_text", {"text": text})

    def image(self, user: str, url: str, caption: str = "") -> dict[str, Any]:
        return self.event(
            user,
            "user_send_image",
            {
                "text": caption,
                "attachments": [{"type": "image", "payload": {"thumbnail": url, "url": url}}],
            },
        )

    def follow(self, user: str) -> dict[str, Any]:
        body = self.event(user, "follow")
        body["follower"] = body.pop("sender")
        return body

    def signature(self, raw: bytes, timestamp: str) -> str:
        digest = hashlib.sha256(
            self.app_id.encode() + raw + timestamp.encode() + self.secret_key.encode()
        ).hexdigest()
        return f"mac={digest}"

    async def deliver(
        self,
        url: str,
        body: dict[str, Any],
        *,
        tamper: bool = False,
        timestamp_in_header: bool = False,
    ) -> int:
        """POST a signed event to the webhook; returns the HTTP status."""
        ts = str(body.get("timestamp", ""))
        if timestamp_in_header:
            body = {k: v for k, v in body.items() if k != "timestamp"}
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {
            "X-ZEvent-Signature": self.signature(raw, ts),
            "Content-Type": "application/json",
        }
        if timestamp_in_header:
            headers["X-ZEvent-Timestamp"] = ts
        if tamper:
            raw = raw.replace(b"}", b', "x": 1}', 1)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=raw, headers=headers) as resp,
        ):
            return resp.status

    # ---- reading what the OA sent --------------------------------------------------------

    def to(self, user: str) -> list[SentOA]:
        return [s for s in self.sent if s.user_id == user]

    def texts(self, user: str, start: int = 0) -> str:
        return "\n".join(s.text for s in self.to(user)[start:])

    def last_buttons(self, user: str) -> list[dict[str, Any]]:
        for s in reversed(self.to(user)):
            if s.buttons:
                return s.buttons
        return []

    async def wait_text(self, user: str, needle: str, start: int = 0, timeout: float = 10.0) -> str:
        await wait_until(
            lambda: needle in self.texts(user, start),
            lambda: f"{user} never got {needle!r}: {self.texts(user, start)}",
            timeout,
        )
        await asyncio.sleep(0.05)
        return self.texts(user, start)

    # ---- the server ----------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v4/oa/access_token", self._oauth)

    async def _oauth(self, request: web.Request) -> web.Response:
        form = await request.post()
        given = str(form.get("refresh_token") or "")
        self.oauth_calls.append(given)
        if (
            request.headers.get("secret_key") != self.secret_key
            or form.get("app_id") != self.app_id
        ):
            return web.json_response({"error": -14002, "error_name": "Invalid app"})
        await asyncio.sleep(self.oauth_delay)
        if given in self.used_refresh or given != self.refresh_token:
            self.burned = self.burned or given in self.used_refresh
            return web.json_response(
                {
                    "error": -14014,
                    "error_name": "Invalid refresh token",
                    "error_description": "refresh token is invalid",
                }
            )
        self.used_refresh.add(given)
        self._generation += 1
        access, refresh = f"A{self._generation}", f"R{self._generation}"
        self.access_tokens = {access}  # the old access token stops working too
        self.refresh_token = refresh
        return web.json_response(
            {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        )

    async def _send(self, request: web.Request) -> web.Response:
        token = request.headers.get("access_token", "")
        body = await request.json()
        if token not in self.access_tokens:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        if self.before_send is not None:
            await self.before_send(token)
        if self.failures:
            return web.json_response(self.failures.popleft())
        recipient = body.get("recipient") or {}
        by_message = "message_id" in recipient
        user = (
            self._msg_users.get(str(recipient.get("message_id")), "")
            if by_message
            else str(recipient.get("user_id") or "")
        )
        if not user:
            return web.json_response({"error": -201, "message": "Recipient is invalid"})
        if user in self.outside_window:
            return web.json_response(
                {"error": -230, "message": "User has not interacted with the OA in the last 7 days"}
            )
        message = body.get("message") or {}
        text = str(message.get("text") or "")
        if not 1 <= len(text) <= 2000:
            return web.json_response({"error": -201, "message": "text length is invalid"})
        buttons = ((message.get("attachment") or {}).get("payload") or {}).get("buttons") or []
        self.sent.append(SentOA(user, text, list(buttons), by_message, token))
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {"message_id": f"oa{len(self.sent)}", "user_id": user},
            }
        )
