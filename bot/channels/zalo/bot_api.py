"""A small async client for the Zalo Bot Platform: POST + JSON to `<base>/bot<TOKEN>/<method>`.

Every answer is checked twice: the HTTP status and the envelope's `ok` (Zalo may answer HTTP 200
with `{"ok": false, "error_code": ..., "description": ...}`). The token is part of the URL, so
URLs are never logged (see `quiet_http_logs`).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from bot.channels.zalo.errors import (
    ZaloApiError,
    ZaloAuthError,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloRecipientGone,
)

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://bot-api.zaloplatforms.com"
DEFAULT_RETRY_AFTER = 30.0  # a 429 from Zalo carries no retry_after that we know of


def quiet_http_logs() -> None:
    # httpx logs every request URL at INFO, and the Bot Platform's URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


class ZaloBotApi:
    def __init__(
        self,
        token: str,
        base: str = DEFAULT_BASE,
        http: httpx.AsyncClient | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._prefix = f"{base.rstrip('/')}/bot{token}/"
        self.http = http or httpx.AsyncClient()
        self.timeout = timeout

    async def call(
        self, method: str, payload: dict[str, Any] | None = None, wait_seconds: float | None = None
    ) -> Any:
        try:
            response = await self.http.post(
                self._prefix + method, json=payload or {}, timeout=wait_seconds or self.timeout
            )
        except httpx.HTTPError as exc:  # the message may hold the URL: keep only the kind
            raise ZaloNetworkError(f"{method}: {type(exc).__name__}") from None
        return self._result(method, response)

    def _result(self, method: str, response: httpx.Response) -> Any:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            data = {}
        status = response.status_code
        code = data.get("error_code") or (status if status != 200 else 0)
        description = str(data.get("description") or response.reason_phrase or "")
        if status >= 500:
            raise ZaloNetworkError(f"{method}: HTTP {status}")
        if status == 200 and data.get("ok") is True:
            return data.get("result")
        if code == 429 or status == 429:
            params = data.get("parameters") or {}
            retry = params.get("retry_after") if isinstance(params, dict) else None
            raise ZaloRateLimited(
                429, description, status, float(retry) if retry else DEFAULT_RETRY_AFTER
            )
        if code == 401 or status == 401:
            raise ZaloAuthError(401, description or "the bot token was refused", status)
        if code in (403, 404) and method in (
            "sendMessage",
            "sendPhoto",
            "sendSticker",
            "sendChatAction",
        ):
            raise ZaloRecipientGone(int(code), description, status)
        raise ZaloApiError(int(code or status), description or "ok is false", status)

    # ---- methods -------------------------------------------------------------------------

    async def get_me(self) -> dict[str, Any]:
        return dict(await self.call("getMe") or {})

    async def get_updates(self, poll_seconds: int = 30) -> list[dict[str, Any]]:
        """One long poll. Zalo answers ONE update (not a list) or HTTP 408 when idle."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": poll_seconds}, wait_seconds=poll_seconds + 10
            )
        except ZaloApiError as exc:
            if exc.code == 408 or exc.status == 408:
                return []  # an idle poll: normal
            raise
        if isinstance(result, list):  # tolerate a Telegram-like list, should it ever come
            return [u for u in result if isinstance(u, dict)]
        return [result] if isinstance(result, dict) and result else []

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any] | None:
        try:
            return dict(await self.call("getWebhookInfo") or {})
        except ZaloApiError as exc:
            if exc.code == 404 or exc.status == 404:
                return None  # no webhook set
            raise

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        return dict(await self.call("sendMessage", {"chat_id": chat_id, "text": text}) or {})

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> None:
        payload = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption
        await self.call("sendPhoto", payload)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})
