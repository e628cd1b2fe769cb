"""A small async client for the Zalo Official Account API v3 (consultation messages).

Zalo answers HTTP 200 with `{"error": 0, "message": "Success", "data": {...}}`; any other
`error` is a failure. The access token goes in the `access_token` header; a token error (-216,
-220, -124) refreshes the token once and tries again.
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.channels.zalo.errors import (
    ZaloApiError,
    ZaloAuthError,
    ZaloNetworkError,
    ZaloOutsideWindow,
    ZaloRateLimited,
    ZaloRecipientGone,
)
from bot.channels.zalo.oa_tokens import OATokens

DEFAULT_BASE = "https://openapi.zalo.me"
TOKEN_ERRORS = frozenset({-216, -220, -124})
OUTSIDE_WINDOW = -230
GONE = frozenset({-213, -227, -201})  # not a follower, inactive 45 days, bad user id
RATE_LIMIT = -32
PER_MINUTE_RETRY = 60.0


class ZaloOAApi:
    def __init__(
        self,
        tokens: OATokens,
        base: str = DEFAULT_BASE,
        http: httpx.AsyncClient | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.tokens = tokens
        self.base = base.rstrip("/")
        self.http = http or httpx.AsyncClient()
        self.timeout = timeout

    async def send(self, recipient: dict[str, str], message: dict[str, Any]) -> dict[str, Any]:
        """POST /v3.0/oa/message/cs; returns `data` (message_id, user_id)."""
        body = {"recipient": recipient, "message": message}
        token = await self.tokens.access_token()
        try:
            return await self._post("/v3.0/oa/message/cs", token, body)
        except ZaloAuthError:
            token = await self.tokens.refresh(stale=token)
            return await self._post("/v3.0/oa/message/cs", token, body)

    async def _post(self, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self.http.post(
                self.base + path, json=body, timeout=self.timeout, headers={"access_token": token}
            )
        except httpx.HTTPError as exc:
            raise ZaloNetworkError(f"{path}: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise ZaloNetworkError(f"{path}: HTTP {response.status_code}")
        if response.status_code == 429:
            raise ZaloRateLimited(429, "too many requests", 429, PER_MINUTE_RETRY)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ZaloApiError(-1, f"not JSON (HTTP {response.status_code})", response.status_code)
        code = int(data.get("error") or 0)
        if response.status_code == 200 and code == 0:
            result = data.get("data")
            return dict(result) if isinstance(result, dict) else {}
        text = str(data.get("message") or "")
        status = response.status_code
        if code in TOKEN_ERRORS or status == 401:
            raise ZaloAuthError(code, text, status)
        if code == OUTSIDE_WINDOW:
            raise ZaloOutsideWindow(code, text, status)
        if code in GONE:
            raise ZaloRecipientGone(code, text, status)
        if code == RATE_LIMIT:
            raise ZaloRateLimited(code, text, status, PER_MINUTE_RETRY)
        raise ZaloApiError(code or status, text, status)
